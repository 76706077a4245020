package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a mission is asked to do, written when it is accepted and when its plan is adopted, never on
 * a step's progress: the scheduler's {@code mission-definition} value state. Immutable.
 *
 * @param mission the mission's text
 * @param config as submitted
 * @param plan the adopted plan; null while the Mission Overseer plans, or when no plan could be
 *     adopted
 * @param order the steps in a topological order (the order they become ready and, sequentially,
 *     run); while the overseer plans, just its step
 * @param planningStep the overseer's planning step ({@link MissionScheduler#PLANNING_STEP}), or
 *     null
 * @param model the model every step runs on instead of its agent's own (a fork's {@code
 *     rerun.model}); null for the agents' own. Added with forks: a definition checkpointed before
 *     reads it as null.
 */
public record MissionDefinition(
    String mission,
    MissionConfig config,
    Plan plan,
    List<String> order,
    PlanStep planningStep,
    String model) {

  public MissionDefinition {
    Objects.requireNonNull(config, "config");
    order = List.copyOf(order);
  }

  /** A mission on its agents' own models. */
  public MissionDefinition(
      String mission, MissionConfig config, Plan plan, List<String> order, PlanStep planningStep) {
    this(mission, config, plan, order, planningStep, null);
  }

  /** Every step id: the planning step (if any) first, then the plan's steps in the plan's order. */
  @JsonIgnore
  public List<String> stepIds() {
    List<String> ids = new ArrayList<>();
    if (planningStep != null) {
      ids.add(planningStep.id());
    }
    if (plan != null) {
      plan.steps().forEach(s -> ids.add(s.id()));
    }
    return ids;
  }

  /** The steps by id (the planning step included). */
  @JsonIgnore
  Map<String, PlanStep> byId() {
    Map<String, PlanStep> byId = new LinkedHashMap<>();
    if (planningStep != null) {
      byId.put(planningStep.id(), planningStep);
    }
    if (plan != null) {
      plan.steps().forEach(s -> byId.put(s.id(), s));
    }
    return byId;
  }

  MissionDefinition withPlan(Plan plan, List<String> order) {
    return new MissionDefinition(mission, config, plan, order, planningStep, model);
  }
}
