package dev.gpilot.contracts.mission;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * How a mission is to be run.
 *
 * @param explicitAgents the agents to plan with, in order; empty means the planner chooses
 * @param plan an explicit plan; null means the planner makes one
 * @param execution parallel (default) or sequential
 * @param params free JSON the step conditions can read as {@code mission.params}; may be null
 * @param deadlineSeconds the whole mission's time limit; null for none
 * @param failurePolicy fail-fast (default) or continue
 * @param planner which planner makes the plan when there is no explicit one; null for the default
 * @param budgetWaitSeconds how long the mission may stay PAUSED by a hard budget before it ends
 *     BUDGET_EXCEEDED; null to wait until the budget allows it (raised, or a new period)
 */
public record MissionConfig(
    List<String> explicitAgents,
    Plan plan,
    Execution execution,
    JsonNode params,
    Integer deadlineSeconds,
    FailurePolicy failurePolicy,
    String planner,
    Integer budgetWaitSeconds) {

  public static final MissionConfig DEFAULT =
      new MissionConfig(List.of(), null, null, null, null, null, null);

  /** A config that waits for budgets as long as it takes. */
  public MissionConfig(
      List<String> explicitAgents,
      Plan plan,
      Execution execution,
      JsonNode params,
      Integer deadlineSeconds,
      FailurePolicy failurePolicy,
      String planner) {
    this(explicitAgents, plan, execution, params, deadlineSeconds, failurePolicy, planner, null);
  }

  public MissionConfig {
    explicitAgents = explicitAgents == null ? List.of() : List.copyOf(explicitAgents);
    execution = execution == null ? Execution.PARALLEL : execution;
    failurePolicy = failurePolicy == null ? FailurePolicy.FAIL_FAST : failurePolicy;
    if (deadlineSeconds != null && deadlineSeconds < 1) {
      throw new IllegalArgumentException(
          "deadlineSeconds must be at least 1, got " + deadlineSeconds);
    }
    if (budgetWaitSeconds != null && budgetWaitSeconds < 0) {
      throw new IllegalArgumentException(
          "budgetWaitSeconds must be at least 0, got " + budgetWaitSeconds);
    }
  }

  /** Only explicit agents; everything else default. */
  public static MissionConfig ofAgents(List<String> agents) {
    return new MissionConfig(agents, null, null, null, null, null, null);
  }
}
