package dev.gpilot.contracts.mission;

import java.util.List;

/** A mission's plan: its steps and their dependencies. Validated before anything runs. */
public record Plan(List<PlanStep> steps) {
  public Plan {
    steps = steps == null ? List.of() : List.copyOf(steps);
  }
}
