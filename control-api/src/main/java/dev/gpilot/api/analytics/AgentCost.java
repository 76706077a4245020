package dev.gpilot.api.analytics;

import java.math.BigDecimal;

/**
 * One row of {@code GET /api/v1/analytics/agent-costs}.
 *
 * @param percentage the agent's share of the total cost, 2 decimals; the rows' percentages sum to
 *     exactly 100 (largest remainder), or are all 0 when the total is 0
 */
public record AgentCost(
    String agent,
    long totalCostMicros,
    BigDecimal percentage,
    long steps,
    long missions,
    long promptTokens,
    long outputTokens,
    long thinkingTokens,
    long cachedTokens) {

  AgentCost withPercentage(BigDecimal p) {
    return new AgentCost(
        agent,
        totalCostMicros,
        p,
        steps,
        missions,
        promptTokens,
        outputTokens,
        thinkingTokens,
        cachedTokens);
  }

  /** This row with another's totals added (for the "(other)" row of a top-N answer). */
  AgentCost plus(AgentCost o, String name) {
    return new AgentCost(
        name,
        Math.addExact(totalCostMicros, o.totalCostMicros),
        null,
        steps + o.steps,
        missions + o.missions,
        promptTokens + o.promptTokens,
        outputTokens + o.outputTokens,
        thinkingTokens + o.thinkingTokens,
        cachedTokens + o.cachedTokens);
  }
}
