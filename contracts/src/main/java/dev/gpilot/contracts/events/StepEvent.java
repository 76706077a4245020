package dev.gpilot.contracts.events;

/**
 * An event of one attempt of one step: the {@code step.*} types and {@code mission.budget_reached}.
 */
public sealed interface StepEvent extends MissionEvent
    permits StepTransition, StepTextDelta, MissionBudgetReached {

  String stepId();

  String agent();

  /** The attempt, from 1; null only in events written without one (the job always writes it). */
  Integer attempt();
}
