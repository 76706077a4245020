package dev.gpilot.api.quotas;

import java.time.Duration;
import java.util.Map;

/**
 * The per-workspace quotas of a deployment, checked when built. The open-stream quota is {@code
 * ApiOptions.maxStreamsPerWorkspace} ({@code GPILOT_QUOTA_STREAMS}), since the stream registry
 * enforces it.
 *
 * @param missionsInFlight missions of one workspace accepted and not yet final, at most (all
 *     instances together, as far as this instance's feed has read); past it a submission is 429
 *     {@code /problems/quota-exceeded}
 * @param inFlightIdle a mission without any record (its submission, an event) for this long stops
 *     counting: the bound on what a mission whose final event never comes costs its workspace
 */
public record QuotaOptions(int missionsInFlight, Duration inFlightIdle) {
  /**
   * Ten full batches of 1,000: far above what one team runs by hand, low enough to stop a runaway
   * loop.
   */
  public static final int DEFAULT_MISSIONS_IN_FLIGHT = 10_000;

  public static final Duration DEFAULT_IN_FLIGHT_IDLE = Duration.ofHours(24);

  public QuotaOptions {
    if (missionsInFlight < 1) {
      throw new IllegalArgumentException(
          "GPILOT_QUOTA_MISSIONS_IN_FLIGHT must be at least 1, got " + missionsInFlight);
    }
    if (inFlightIdle == null || inFlightIdle.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "GPILOT_QUOTA_IN_FLIGHT_IDLE_MS must be at least 1000, got "
              + (inFlightIdle == null ? null : inFlightIdle.toMillis()));
    }
  }

  public static QuotaOptions defaults() {
    return new QuotaOptions(DEFAULT_MISSIONS_IN_FLIGHT, DEFAULT_IN_FLIGHT_IDLE);
  }

  /**
   * Reads {@code GPILOT_QUOTA_MISSIONS_IN_FLIGHT} (default 10,000) and {@code
   * GPILOT_QUOTA_IN_FLIGHT_IDLE_MS} (default 86,400,000: a day).
   *
   * @throws IllegalArgumentException for a value that is not a number or out of range, naming the
   *     variable
   */
  public static QuotaOptions fromEnv(Map<String, String> env) {
    return new QuotaOptions(
        (int) number(env, "GPILOT_QUOTA_MISSIONS_IN_FLIGHT", DEFAULT_MISSIONS_IN_FLIGHT),
        Duration.ofMillis(
            number(env, "GPILOT_QUOTA_IN_FLIGHT_IDLE_MS", DEFAULT_IN_FLIGHT_IDLE.toMillis())));
  }

  private static long number(Map<String, String> env, String name, long fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      long n = Long.parseLong(value.strip());
      if (n > Integer.MAX_VALUE && name.endsWith("IN_FLIGHT")) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'");
    }
  }

  public QuotaOptions withMissionsInFlight(int missions) {
    return new QuotaOptions(missions, inFlightIdle);
  }
}
