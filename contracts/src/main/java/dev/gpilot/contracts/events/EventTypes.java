package dev.gpilot.contracts.events;

/** The {@code type} values of {@link MissionEvent}. */
public final class EventTypes {
  public static final String MISSION_ACCEPTED = "mission.accepted";
  public static final String PLAN_READY = "plan.ready";
  public static final String STEP_READY = "step.ready";
  public static final String STEP_STARTED = "step.started";
  public static final String STEP_RETRYING = "step.retrying";
  public static final String STEP_SKIPPED = "step.skipped";
  public static final String STEP_CANCELLED = "step.cancelled";
  public static final String STEP_COMPLETED = "step.completed";
  public static final String STEP_FAILED = "step.failed";

  /**
   * Best-effort text of a streaming model call ({@code text}); the step's result is the one of
   * record.
   */
  public static final String STEP_DELTA = "step.delta";

  public static final String MISSION_COMPLETED = "mission.completed";
  public static final String MISSION_FAILED = "mission.failed";
  public static final String MISSION_CANCELLED = "mission.cancelled";
  public static final String MISSION_TIMED_OUT = "mission.timed_out";

  /** A step waits for a hard budget ({@code budgetId}, {@code reason}): the mission is PAUSED. */
  public static final String MISSION_BUDGET_REACHED = "mission.budget_reached";

  /** Every step that waited for a budget got it: the mission runs again. */
  public static final String MISSION_RESUMED = "mission.resumed";

  /**
   * The mission waited for a budget longer than {@code config.budgetWaitSeconds}: it ends
   * BUDGET_EXCEEDED.
   */
  public static final String MISSION_BUDGET_EXCEEDED = "mission.budget_exceeded";

  /** Whether an event of this type is the last one of its mission. */
  public static boolean isFinal(String type) {
    return MISSION_COMPLETED.equals(type)
        || MISSION_FAILED.equals(type)
        || MISSION_CANCELLED.equals(type)
        || MISSION_TIMED_OUT.equals(type)
        || MISSION_BUDGET_EXCEEDED.equals(type);
  }

  private EventTypes() {}
}
