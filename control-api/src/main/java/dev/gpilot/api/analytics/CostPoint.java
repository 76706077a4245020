package dev.gpilot.api.analytics;

/**
 * One row of {@code GET /api/v1/analytics/cost-series}: one (bucket, agent, model).
 *
 * @param bucketStart ISO-8601 instant (UTC) of the bucket's start
 * @param missions missions whose first attempt by this agent and model finished in the bucket
 */
public record CostPoint(
    String bucketStart,
    String agent,
    String model,
    long costMicros,
    long steps,
    long missions,
    long errors,
    long promptTokens,
    long outputTokens,
    long thinkingTokens,
    long cachedTokens,
    long latencySumMs,
    long latencyMaxMs) {}
