package dev.gpilot.contracts.events;

/**
 * Every step finished and none failed the mission: {@code mission.completed}, {@code status} {@code
 * COMPLETED}.
 */
public record MissionCompleted(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String reason,
    Long durationMs,
    Long costMicros)
    implements MissionEnded {

  public MissionCompleted {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.MISSION_COMPLETED;
  }
}
