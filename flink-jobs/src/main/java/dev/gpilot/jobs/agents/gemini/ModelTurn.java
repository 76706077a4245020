package dev.gpilot.jobs.agents.gemini;

import dev.gpilot.contracts.cost.Usage;
import java.util.Set;

/**
 * One answered model call: its text (thought parts left out), its usage and how it ended.
 *
 * @param modelVersion the model as it reported itself ({@code modelVersion}), may be null
 * @param finishReason the first candidate's finish reason, may be null
 * @param blockReason why the prompt was blocked ({@code promptFeedback.blockReason}), null when it
 *     was not
 */
public record ModelTurn(
    String text, Usage usage, String modelVersion, String finishReason, String blockReason) {
  private static final Set<String> FINISHED =
      Set.of("STOP", "MAX_TOKENS", "FINISH_REASON_UNSPECIFIED");

  /**
   * Whether the model refused: the prompt was blocked, or the answer stopped for a reason other
   * than done.
   */
  public boolean blocked() {
    return blockReason != null || (finishReason != null && !FINISHED.contains(finishReason));
  }

  public boolean truncated() {
    return "MAX_TOKENS".equals(finishReason);
  }

  /** Why it was blocked, for the step's error. */
  public String blockedWhy() {
    return blockReason != null
        ? "the prompt was blocked by Gemini (block reason " + blockReason + ")"
        : "Gemini stopped the answer (finish reason " + finishReason + ")";
  }
}
