package dev.gpilot.contracts.mission;

/**
 * Where a step is: {@code PENDING → READY → RUNNING → SUCCEEDED | FAILED | SKIPPED | CANCELLED}.
 */
public enum StepStatus {
  PENDING,
  READY,
  RUNNING,
  SUCCEEDED,
  FAILED,
  SKIPPED,
  CANCELLED;

  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == SKIPPED || this == CANCELLED;
  }
}
