package dev.gpilot.jobs.agents.gemini;

import java.io.Serializable;

/**
 * Bounds on what goes into a step's prompt, in characters (a token is about 4): a mission, action
 * or parameters longer than its bound is cut; each dependency's output is cut to {@code
 * perDependencyChars}, and all of them together to {@code dependenciesChars} (later dependencies
 * get what is left; once nothing is left they are named as omitted). Every cut says how much was
 * left out.
 */
public record PromptLimits(
    int missionChars,
    int actionChars,
    int parametersChars,
    int perDependencyChars,
    int dependenciesChars)
    implements Serializable {

  public static final PromptLimits DEFAULT = new PromptLimits(16_000, 4_000, 8_000, 8_000, 32_000);

  public PromptLimits {
    if (missionChars < 100
        || actionChars < 100
        || parametersChars < 100
        || perDependencyChars < 100
        || dependenciesChars < perDependencyChars) {
      throw new IllegalArgumentException(
          "prompt limits must be >= 100 characters, and the dependencies' total"
              + " at least one dependency's limit");
    }
  }
}
