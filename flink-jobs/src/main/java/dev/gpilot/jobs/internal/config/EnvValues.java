package dev.gpilot.jobs.internal.config;

import java.util.Map;

/**
 * Reads typed values of the job's environment variables, with the variable's name in every error.
 */
public final class EnvValues {
  private EnvValues() {}

  /** The integer {@code key} holds, or {@code fallback} when it is unset or blank. */
  public static long longOf(Map<String, String> env, String key, long fallback) {
    String value = env.get(key);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + value + "'", e);
    }
  }
}
