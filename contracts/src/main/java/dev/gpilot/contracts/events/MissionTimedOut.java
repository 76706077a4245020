package dev.gpilot.contracts.events;

/**
 * The mission ran past its deadline: {@code mission.timed_out}, {@code status} {@code TIMED_OUT}.
 */
public record MissionTimedOut(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String reason,
    Long durationMs,
    Long costMicros)
    implements MissionEnded {

  public MissionTimedOut {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.MISSION_TIMED_OUT;
  }
}
