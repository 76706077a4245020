package dev.gpilot.api.analytics;

/**
 * One line of a workspace's monthly usage: what one agent used of one model.
 *
 * @param model the model; empty for attempts that called none
 * @param attempts finished step attempts (successes and failures: a failure is paid for what it
 *     used)
 * @param inputTokens prompt tokens
 * @param outputTokens output tokens (thinking tokens are counted apart by the analytics, not here)
 * @param costMicros micro-credits
 */
public record UsageLine(
    String agent,
    String model,
    long attempts,
    long inputTokens,
    long outputTokens,
    long costMicros) {}
