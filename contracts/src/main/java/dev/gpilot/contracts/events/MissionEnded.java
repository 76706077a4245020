package dev.gpilot.contracts.events;

import dev.gpilot.contracts.mission.MissionStatus;

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

  /**
   * {@link #status()} as the enum; where it is missing or not one this reader knows (an older or
   * newer writer's), the status the event's type stands for.
   */
  default MissionStatus finalStatus() {
    if (status() != null) {
      try {
        MissionStatus given = MissionStatus.valueOf(status());
        if (given.isTerminal()) {
          return given;
        }
      } catch (IllegalArgumentException unknown) {
        // the type decides below
      }
    }
    return switch (type()) {
      case EventTypes.MISSION_COMPLETED -> MissionStatus.COMPLETED;
      case EventTypes.MISSION_CANCELLED -> MissionStatus.CANCELLED;
      case EventTypes.MISSION_TIMED_OUT -> MissionStatus.TIMED_OUT;
      case EventTypes.MISSION_BUDGET_EXCEEDED -> MissionStatus.BUDGET_EXCEEDED;
      default -> MissionStatus.FAILED;
    };
  }

  @Override
  default boolean isFinal() {
    return true;
  }
}
