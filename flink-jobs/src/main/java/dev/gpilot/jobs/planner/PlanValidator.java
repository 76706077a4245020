package dev.gpilot.jobs.planner;

import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks a plan before anything runs: ids, agent names, dependencies and cycles. */
public final class PlanValidator {
  static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");
  static final Pattern STEP_ID = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

  /**
   * Returns why the plan cannot run, or empty when it can.
   */
  public Optional<String> validate(Plan plan) {
    List<PlanStep> steps = plan.steps();
    if (steps.isEmpty()) {
      return Optional.of("the plan has no steps");
    }
    Map<String, PlanStep> byId = new LinkedHashMap<>();
    for (PlanStep step : steps) {
      if (!STEP_ID.matcher(step.id()).matches()) {
        return Optional.of("step id '" + step.id() + "' must match " + STEP_ID.pattern());
      }
      if (byId.put(step.id(), step) != null) {
        return Optional.of("duplicate step id '" + step.id() + "'");
      }
      if (!NAME.matcher(step.agent()).matches()) {
        return Optional.of("step '" + step.id() + "' names an invalid agent '" + step.agent() + "'");
      }
    }
    for (PlanStep step : steps) {
      for (String dep : step.dependsOn()) {
        if (!byId.containsKey(dep)) {
          return Optional.of("step '" + step.id() + "' depends on missing step '" + dep + "'");
        }
      }
    }
    List<String> cycle = findCycle(byId);
    if (!cycle.isEmpty()) {
      return Optional.of("the plan has a cycle: " + String.join(" -> ", cycle));
    }
    return Optional.empty();
  }

  /** One dependency cycle as a closed path (first id repeated at the end), or empty. */
  static List<String> findCycle(Map<String, PlanStep> byId) {
    Map<String, Integer> color = new HashMap<>(); // absent: unvisited, 1: on the path, 2: done
    for (String start : byId.keySet()) {
      if (color.containsKey(start)) {
        continue;
      }
      // Iterative DFS: plans come from users and models, so no recursion depth to exhaust.
      LinkedHashSet<String> path = new LinkedHashSet<>();
      List<java.util.Iterator<String>> stack = new ArrayList<>();
      path.add(start);
      color.put(start, 1);
      stack.add(byId.get(start).dependsOn().iterator());
      while (!stack.isEmpty()) {
        java.util.Iterator<String> it = stack.get(stack.size() - 1);
        if (it.hasNext()) {
          String next = it.next();
          Integer c = color.get(next);
          if (c == null) {
            color.put(next, 1);
            path.add(next);
            stack.add(byId.get(next).dependsOn().iterator());
          } else if (c == 1) {
            List<String> cycle = new ArrayList<>();
            boolean in = false;
            for (String id : path) {
              in |= id.equals(next);
              if (in) {
                cycle.add(id);
              }
            }
            cycle.add(next);
            return cycle;
          }
        } else {
          String done = lastOf(path);
          path.remove(done);
          color.put(done, 2);
          stack.remove(stack.size() - 1);
        }
      }
    }
    return List.of();
  }

  private static String lastOf(Set<String> path) {
    String last = null;
    for (String id : path) {
      last = id;
    }
    return last;
  }
}
