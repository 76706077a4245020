package dev.gpilot.contracts.events;

/**
 * The mission failed (a step failed, or its plan was invalid): {@code mission.failed}, {@code
 * status} {@code FAILED}.
 */
public record MissionFailed(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String reason,
    Long durationMs,
    Long costMicros)
    implements MissionEnded {

  public MissionFailed {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.MISSION_FAILED;
  }
}
