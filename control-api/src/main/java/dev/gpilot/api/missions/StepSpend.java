package dev.gpilot.api.missions;

import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.BilledAttempt;

/**
 * What one step's attempts used and cost, added up from its billed events ({@code step.retrying},
 * {@code step.completed}, {@code step.failed}; each event once): the one projection of a step's
 * spend that {@code GET /api/v1/missions/{id}}'s steps ({@link MissionView}) and the streams'
 * {@code data-step} parts ({@code UiMessageMapper}) both show. The model is the last one an attempt
 * named; usage and cost add up over every attempt, a retried one included. Money in micro-credits,
 * summed exactly. Not thread-safe: owned by the one step it adds up.
 */
public final class StepSpend {
  private String model;
  private Usage usage;
  private long costMicros;

  /**
   * Adds a finished attempt: its model (when it names one), its usage, its cost (none counts 0).
   */
  public void add(BilledAttempt e) {
    if (e.model() != null) {
      model = e.model();
    }
    if (e.usage() != null) {
      usage = usage == null ? e.usage() : usage.plus(e.usage());
    }
    if (e.costMicros() != null) {
      costMicros = Math.addExact(costMicros, e.costMicros());
    }
  }

  /** The model of the last attempt that named one, or null when none did. */
  public String model() {
    return model;
  }

  /** The attempts' tokens summed, or null when no attempt was billed any. */
  public Usage usage() {
    return usage;
  }

  /** The attempts' costs summed (0 before any, or when none cost anything). */
  public long costMicros() {
    return costMicros;
  }

  /** Whether an attempt called a model: one was billed tokens or cost more than 0. */
  public boolean calledModel() {
    return usage != null || costMicros > 0;
  }

  /**
   * The step's {@code costMicros} as its JSON shows it, whatever its status: the sum once an
   * attempt {@linkplain #calledModel() called a model}, 0 for a fork's reused step, else null (left
   * out: a step that called no model has no cost to show).
   */
  public Long shownCostMicros(boolean reused) {
    return calledModel() || reused ? costMicros : null;
  }
}
