package dev.gpilot.contracts.events;

/**
 * An attempt waits for a hard budget and the mission pauses: {@code mission.budget_reached}, {@code
 * status} {@code PAUSED}; {@code reason} says what the budget has left and what the step may cost.
 */
public record MissionBudgetReached(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String stepId,
    String agent,
    Integer attempt,
    String reason,
    String budgetId)
    implements StepEvent {

  public MissionBudgetReached {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.MISSION_BUDGET_REACHED;
  }
}
