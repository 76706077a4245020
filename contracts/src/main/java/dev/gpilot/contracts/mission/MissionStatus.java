package dev.gpilot.contracts.mission;

/**
 * Where a mission is: {@code SUBMITTED → PLANNING → RUNNING ⇄ PAUSED → COMPLETED | FAILED |
 * CANCELLED | TIMED_OUT | BUDGET_EXCEEDED}. PAUSED: a step waits for a hard budget to cover it (its
 * running steps go on).
 */
public enum MissionStatus {
  SUBMITTED,
  PLANNING,
  RUNNING,
  COMPLETED,
  FAILED,
  CANCELLED,
  TIMED_OUT,
  PAUSED,
  BUDGET_EXCEEDED;

  public boolean isTerminal() {
    return this == COMPLETED
        || this == FAILED
        || this == CANCELLED
        || this == TIMED_OUT
        || this == BUDGET_EXCEEDED;
  }
}
