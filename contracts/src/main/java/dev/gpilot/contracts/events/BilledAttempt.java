package dev.gpilot.contracts.events;

import dev.gpilot.contracts.cost.Usage;

/**
 * The end of a step attempt, which a model call may have billed: {@link StepCompleted}, {@link
 * StepFailed}, {@link StepRetrying}. Usage and cost add up over a step's attempts.
 */
public sealed interface BilledAttempt extends StepTransition
    permits StepCompleted, StepFailed, StepRetrying {

  /** The model that was called, or null. */
  String model();

  /** Its tokens, or null when none were billed. */
  Usage usage();

  /** What the attempt cost in micro-credits, or null when nothing was billed. */
  Long costMicros();
}
