package dev.gpilot.contracts.events;

/**
 * An attempt waited for a budget longer than {@code config.budgetWaitSeconds}: {@code
 * mission.budget_exceeded}, {@code status} {@code BUDGET_EXCEEDED}.
 */
public record MissionBudgetExceeded(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String reason,
    Long durationMs,
    Long costMicros)
    implements MissionEnded {

  public MissionBudgetExceeded {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.MISSION_BUDGET_EXCEEDED;
  }
}
