package dev.gpilot.contracts.mission;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What makes a mission a fork of an earlier one ({@code POST /api/v1/missions/{id}/rerun}): carried
 * by its {@link MissionSubmitted} so the job needs no lookup. The fork's plan is the original's
 * adopted plan, given as the fork's {@code config.plan} (no re-planning).
 *
 * @param of the original mission's id; required
 * @param model the model every step that runs again is run on instead of its agent's own; null
 *     keeps each agent's
 * @param fromStep the step the fork runs again from, as asked; null when the whole plan runs again
 * @param reused the recorded outputs of the steps that are not run again, by step id: they complete
 *     at once, marked as reused, at no cost and without a model call; never null
 */
public record Rerun(String of, String model, String fromStep, Map<String, JsonNode> reused) {

  public Rerun {
    MissionSubmitted.requireText(of, "rerun.of");
    if (model != null && model.isBlank()) {
      throw new IllegalArgumentException("rerun.model must not be blank");
    }
    reused = reused == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(reused));
    reused.forEach(
        (id, output) -> {
          if (output == null || output.isNull()) {
            throw new IllegalArgumentException("rerun.reused." + id + " has no output");
          }
        });
  }

  /**
   * The steps of {@code plan} a fork from {@code fromStep} reuses: those listed before {@code
   * fromStep} in the plan that succeeded in the original and whose dependencies are all reused too
   * (so no reused output rests on one that is computed again, and nothing that depends on {@code
   * fromStep}, even transitively, is reused).
   *
   * @param fromStep null: none (the whole plan runs again)
   * @param succeeded the steps the original completed
   * @return the reused step ids, in plan order
   * @throws IllegalArgumentException when {@code fromStep} is not a step of the plan
   */
  public static Set<String> reusable(Plan plan, String fromStep, Set<String> succeeded) {
    if (fromStep == null) {
      return Set.of();
    }
    Set<String> candidates = new LinkedHashSet<>();
    boolean found = false;
    for (PlanStep step : plan.steps()) {
      if (step.id().equals(fromStep)) {
        found = true;
        break;
      }
      if (succeeded.contains(step.id())) {
        candidates.add(step.id());
      }
    }
    if (!found) {
      throw new IllegalArgumentException("the plan has no step '" + fromStep + "'");
    }
    return closed(plan, candidates);
  }

  /**
   * Of {@code candidates}, the ones whose dependencies are all candidates, transitively (a
   * fixpoint).
   */
  public static Set<String> closed(Plan plan, Set<String> candidates) {
    Set<String> kept = new LinkedHashSet<>(candidates);
    boolean changed = true;
    while (changed) {
      changed = false;
      for (PlanStep step : plan.steps()) {
        if (kept.contains(step.id()) && !kept.containsAll(new HashSet<>(step.dependsOn()))) {
          kept.remove(step.id());
          changed = true;
        }
      }
    }
    kept.retainAll(plan.steps().stream().map(PlanStep::id).toList());
    return kept;
  }
}
