package dev.gpilot.contracts.events;

/** The mission was cancelled: {@code mission.cancelled}, {@code status} {@code CANCELLED}. */
public record MissionCancelled(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String reason,
    Long durationMs,
    Long costMicros)
    implements MissionEnded {

  public MissionCancelled {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.MISSION_CANCELLED;
  }
}
