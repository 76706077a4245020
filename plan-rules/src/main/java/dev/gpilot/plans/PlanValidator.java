package dev.gpilot.plans;

import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a plan before anything runs: step ids, known agents, dependencies, cycles (named),
 * conditions (compiled, type-checked, and reading only steps the condition's step depends on),
 * timeouts and attempts. The API answers 422 with the reason for an explicit plan; the job fails a
 * mission whose planner-made plan is invalid.
 */
public final class PlanValidator {
  public static final Pattern AGENT_NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");
  public static final Pattern STEP_ID = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");
  public static final int MAX_STEPS = 200;
  public static final int MAX_ATTEMPTS = 10;
  public static final int MAX_TIMEOUT_SECONDS = 3600;

  private final Set<String> knownAgents;

  /**
   * @param knownAgents the agents a plan may name
   */
  public PlanValidator(Set<String> knownAgents) {
    this.knownAgents = Set.copyOf(knownAgents);
  }

  /**
   * A plan that passed validation, with its steps in a topological order and its compiled
   * conditions.
   */
  public record Validated(
      Plan plan, List<String> topologicalOrder, Map<String, Conditions.Compiled> conditions) {}

  /** Thrown with the first reason a plan cannot run. */
  public static final class InvalidPlanException extends IllegalArgumentException {
    public InvalidPlanException(String message) {
      super(message);
    }
  }

  /**
   * @throws InvalidPlanException with the reason the plan cannot run
   */
  public Validated validate(Plan plan) {
    List<PlanStep> steps = plan.steps();
    if (steps.isEmpty()) {
      throw new InvalidPlanException("the plan has no steps");
    }
    if (steps.size() > MAX_STEPS) {
      throw new InvalidPlanException(
          "the plan has " + steps.size() + " steps; at most " + MAX_STEPS);
    }
    Map<String, PlanStep> byId = new LinkedHashMap<>();
    for (PlanStep step : steps) {
      if (!STEP_ID.matcher(step.id()).matches()) {
        throw new InvalidPlanException(
            "step id '" + step.id() + "' must match " + STEP_ID.pattern());
      }
      if (byId.put(step.id(), step) != null) {
        throw new InvalidPlanException("duplicate step id '" + step.id() + "'");
      }
      if (!knownAgents.contains(step.agent())) {
        throw new InvalidPlanException(
            "step '"
                + step.id()
                + "' names unknown agent '"
                + step.agent()
                + "'; known agents: "
                + String.join(", ", knownAgents.stream().sorted().toList()));
      }
      if (step.maxAttempts() != null
          && (step.maxAttempts() < 1 || step.maxAttempts() > MAX_ATTEMPTS)) {
        throw new InvalidPlanException(
            "step '" + step.id() + "': maxAttempts must be 1 to " + MAX_ATTEMPTS);
      }
      if (step.timeoutSeconds() != null
          && (step.timeoutSeconds() < 1 || step.timeoutSeconds() > MAX_TIMEOUT_SECONDS)) {
        throw new InvalidPlanException(
            "step '" + step.id() + "': timeoutSeconds must be 1 to " + MAX_TIMEOUT_SECONDS);
      }
      if (new HashSet<>(step.dependsOn()).size() != step.dependsOn().size()) {
        throw new InvalidPlanException("step '" + step.id() + "' lists a dependency twice");
      }
    }
    for (PlanStep step : steps) {
      for (String dep : step.dependsOn()) {
        if (!byId.containsKey(dep)) {
          throw new InvalidPlanException(
              "step '" + step.id() + "' depends on missing step '" + dep + "'");
        }
      }
    }
    List<String> cycle = findCycle(byId);
    if (!cycle.isEmpty()) {
      throw new InvalidPlanException("the plan has a cycle: " + String.join(" -> ", cycle));
    }
    Map<String, Conditions.Compiled> conditions = new HashMap<>();
    for (PlanStep step : steps) {
      if (step.condition() == null || step.condition().isBlank()) {
        continue;
      }
      Conditions.Compiled compiled;
      try {
        compiled = Conditions.compile(step.condition());
      } catch (Conditions.InvalidConditionException e) {
        throw new InvalidPlanException(
            "step '" + step.id() + "': condition does not compile: " + e.getMessage());
      }
      Set<String> ancestors = ancestors(step.id(), byId);
      for (String referenced : compiled.referencedSteps()) {
        if (!byId.containsKey(referenced)) {
          throw new InvalidPlanException(
              "step '" + step.id() + "': condition refers to unknown step '" + referenced + "'");
        }
        if (!ancestors.contains(referenced)) {
          throw new InvalidPlanException(
              "step '"
                  + step.id()
                  + "': condition reads step '"
                  + referenced
                  + "', which it does not depend on (add it to dependsOn)");
        }
      }
      conditions.put(step.id(), compiled);
    }
    return new Validated(plan, topologicalOrder(steps), conditions);
  }

  /** Every step {@code id} depends on, directly or not. */
  static Set<String> ancestors(String id, Map<String, PlanStep> byId) {
    Set<String> seen = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(byId.get(id).dependsOn());
    while (!todo.isEmpty()) {
      String next = todo.pop();
      if (seen.add(next)) {
        todo.addAll(byId.get(next).dependsOn());
      }
    }
    return seen;
  }

  /**
   * Kahn's algorithm, stable: among the steps that are ready, the one listed first in the plan goes
   * first.
   */
  static List<String> topologicalOrder(List<PlanStep> steps) {
    Map<String, Integer> waitingOn = new LinkedHashMap<>();
    Map<String, List<String>> dependents = new HashMap<>();
    for (PlanStep step : steps) {
      waitingOn.put(step.id(), step.dependsOn().size());
      for (String dep : step.dependsOn()) {
        dependents.computeIfAbsent(dep, k -> new ArrayList<>()).add(step.id());
      }
    }
    List<String> order = new ArrayList<>(steps.size());
    Set<String> done = new HashSet<>();
    while (order.size() < steps.size()) {
      for (PlanStep step : steps) {
        if (!done.contains(step.id()) && waitingOn.get(step.id()) == 0) {
          order.add(step.id());
          done.add(step.id());
          for (String d : dependents.getOrDefault(step.id(), List.of())) {
            waitingOn.merge(d, -1, Integer::sum);
          }
          break;
        }
      }
    }
    return order;
  }

  /** One dependency cycle as a closed path (first id repeated at the end), or empty. */
  static List<String> findCycle(Map<String, PlanStep> byId) {
    Map<String, Integer> color = new HashMap<>(); // absent: unvisited, 1: on the path, 2: done
    for (String start : byId.keySet()) {
      if (color.containsKey(start)) {
        continue;
      }
      // Iterative DFS: plans come from users and models, so no recursion depth to exhaust.
      List<Iterator<String>> stack = new ArrayList<>();
      List<String> pathOrder = new ArrayList<>();
      pathOrder.add(start);
      color.put(start, 1);
      stack.add(byId.get(start).dependsOn().iterator());
      while (!stack.isEmpty()) {
        Iterator<String> it = stack.get(stack.size() - 1);
        if (it.hasNext()) {
          String next = it.next();
          Integer c = color.get(next);
          if (c == null) {
            color.put(next, 1);
            pathOrder.add(next);
            stack.add(byId.get(next).dependsOn().iterator());
          } else if (c == 1) {
            List<String> cycle =
                new ArrayList<>(pathOrder.subList(pathOrder.indexOf(next), pathOrder.size()));
            cycle.add(next);
            return cycle;
          }
        } else {
          String done = pathOrder.remove(pathOrder.size() - 1);
          color.put(done, 2);
          stack.remove(stack.size() - 1);
        }
      }
    }
    return List.of();
  }
}
