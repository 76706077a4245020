package dev.gpilot.contracts.events;

/**
 * A step event that moves the step to a new {@code status} (every step event but {@link
 * StepTextDelta}).
 */
public sealed interface StepTransition extends StepEvent
    permits StepReady, StepStarted, StepSkipped, StepCancelled, BilledAttempt {

  /**
   * The step's status after this event ({@code READY}, {@code RUNNING}, {@code SUCCEEDED}, ...).
   */
  String status();
}
