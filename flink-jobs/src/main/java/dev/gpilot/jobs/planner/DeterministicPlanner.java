package dev.gpilot.jobs.planner;

import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import java.util.ArrayList;
import java.util.List;

/**
 * The model-free planner: one step per explicit agent, in the order given, each depending on the
 * one before. Without explicit agents the plan is a single step of {@value #DEFAULT_AGENT}.
 */
public final class DeterministicPlanner {
  public static final String DEFAULT_AGENT = "genesis-architect";

  public Plan plan(MissionSubmitted mission) {
    List<String> agents = mission.config().explicitAgents();
    if (agents.isEmpty()) {
      agents = List.of(DEFAULT_AGENT);
    }
    List<PlanStep> steps = new ArrayList<>(agents.size());
    String previous = null;
    for (int i = 0; i < agents.size(); i++) {
      String id = "s" + (i + 1);
      steps.add(
          new PlanStep(
              id,
              agents.get(i),
              mission.mission(),
              null,
              previous == null ? List.of() : List.of(previous),
              null,
              null,
              null));
      previous = id;
    }
    return new Plan(steps);
  }
}
