package dev.gpilot.contracts.mission;

/** Where a mission is: {@code SUBMITTED → PLANNING → RUNNING → COMPLETED | FAILED | CANCELLED | TIMED_OUT}. */
public enum MissionStatus {
  SUBMITTED,
  PLANNING,
  RUNNING,
  COMPLETED,
  FAILED,
  CANCELLED,
  TIMED_OUT;

  public boolean isTerminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED || this == TIMED_OUT;
  }
}
