package dev.gpilot.contracts.agents;

import dev.gpilot.contracts.cost.Usage;

/**
 * Prices of one token kind each, in micro-credits per 1,000,000 tokens (so a price of {@code
 * 300000} is 0.30 credits per million tokens, 0.3 micro-credits per token). Integers: prices are
 * exact, never floating point.
 */
public record TokenRates(long input, long cachedInput, long output, long thinking) {
  public TokenRates {
    if (input < 0 || cachedInput < 0 || output < 0 || thinking < 0) {
      throw new IllegalArgumentException("prices cannot be negative");
    }
  }

  /**
   * The exact cost of one call in micro-credits × 1,000,000 (no rounding yet): uncached prompt
   * tokens at the input price, cached tokens (a part of the prompt) at the cached price, output and
   * thinking tokens at theirs.
   *
   * @throws ArithmeticException if the result does not fit a long (more than ~9.2 million credits
   *     in one call)
   */
  public long exactCost(Usage usage) {
    long uncached = usage.promptTokens() - usage.cachedTokens();
    long sum = Math.multiplyExact(uncached, input);
    sum = Math.addExact(sum, Math.multiplyExact(usage.cachedTokens(), cachedInput));
    sum = Math.addExact(sum, Math.multiplyExact(usage.outputTokens(), output));
    return Math.addExact(sum, Math.multiplyExact(usage.thinkingTokens(), thinking));
  }
}
