package dev.gpilot.contracts.cost;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Tokens used by one model call (or a sum of calls), exactly as the provider counted them.
 *
 * @param promptTokens input tokens ({@code promptTokenCount}), including the cached ones
 * @param outputTokens generated tokens ({@code candidatesTokenCount})
 * @param thinkingTokens reasoning tokens ({@code thoughtsTokenCount}), billed as output but counted
 *     apart
 * @param cachedTokens the part of the prompt served from the context cache ({@code
 *     cachedContentTokenCount})
 */
public record Usage(long promptTokens, long outputTokens, long thinkingTokens, long cachedTokens) {
  public static final Usage ZERO = new Usage(0, 0, 0, 0);

  public Usage {
    if (promptTokens < 0 || outputTokens < 0 || thinkingTokens < 0 || cachedTokens < 0) {
      throw new IllegalArgumentException("token counts cannot be negative");
    }
    if (cachedTokens > promptTokens) {
      throw new IllegalArgumentException(
          "cached tokens (" + cachedTokens + ") are part of the prompt (" + promptTokens + ")");
    }
  }

  /** prompt + output + thinking: cached tokens are already inside the prompt. */
  @JsonProperty("totalTokens")
  public long totalTokens() {
    return promptTokens + outputTokens + thinkingTokens;
  }

  public Usage plus(Usage other) {
    return new Usage(
        promptTokens + other.promptTokens,
        outputTokens + other.outputTokens,
        thinkingTokens + other.thinkingTokens,
        cachedTokens + other.cachedTokens);
  }
}
