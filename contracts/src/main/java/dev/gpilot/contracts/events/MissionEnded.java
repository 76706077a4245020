package dev.gpilot.contracts.events;

/** A mission's last event: nothing of the mission follows it. */
public sealed interface MissionEnded extends MissionEvent
    permits MissionCompleted,
        MissionFailed,
        MissionCancelled,
        MissionTimedOut,
        MissionBudgetExceeded {

  /** The mission's final status ({@code COMPLETED}, {@code FAILED}, ...). */
  String status();

  /** Why it ended, or null (a completed mission). */
  String reason();

  /** From submission to the end. */
  Long durationMs();

  /** The job's total for the mission in micro-credits: the one of record. */
  Long costMicros();

  @Override
  default boolean isFinal() {
    return true;
  }
}
