package dev.gpilot.jobs.budget;

import dev.gpilot.jobs.agents.StepRequest;

/**
 * A step attempt waiting for a hard budget to cover it (its mission is PAUSED). Attempts leave in
 * the order they came ({@code seq}), each as soon as every hard budget it falls under can cover its
 * worst case.
 *
 * @param budgetId the budget that stopped it when it came
 */
public record HeldAttempt(
    long seq, StepRequest request, String budgetId, String model, long worstMicros, long heldAt) {}
