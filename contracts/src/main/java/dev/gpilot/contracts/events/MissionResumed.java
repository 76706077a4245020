package dev.gpilot.contracts.events;

/**
 * No attempt waits for a budget any more: {@code mission.resumed}; {@code status} is {@code
 * RUNNING}, or {@code PLANNING} when the planning step waited; {@code budgetId} of the last
 * release, or null.
 */
public record MissionResumed(
    String missionId, String workspaceId, long seq, long ts, String status, String budgetId)
    implements MissionEvent {

  public MissionResumed {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.MISSION_RESUMED;
  }
}
