package dev.gpilot.jobs.costs;

import static dev.gpilot.jobs.internal.config.EnvValues.longOf;

import java.io.Serializable;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How the cost pipeline runs, checked when built. {@link #fromEnv(Map)} reads the variables listed
 * in SPEC.md.
 *
 * @param enabled whether the job runs the cost pipeline at all ({@code GPILOT_COSTS=off} turns it
 *     off)
 * @param outOfOrderness how far a cost record may finish before one already seen and still be on
 *     time
 * @param idleTimeout after this long without records, watermarks follow the wall clock ({@code now
 *     - outOfOrderness}), so the last minute of a quiet system is still written
 * @param allowedLateness how long after its end a window still takes late records (it fires again,
 *     and its row is replaced); a record later than that is written as its own rollup row, never
 *     dropped
 * @param dedupeRetention how long the pipeline remembers a mission's attempts (to drop re-sent
 *     results) and the agents it saw (to count each mission once); longer than a mission may run
 * @param maxBatchRows, flushInterval the ClickHouse inserts: rows per insert at most, and the
 *     longest a row waits
 */
public record CostOptions(
    boolean enabled,
    Duration outOfOrderness,
    Duration idleTimeout,
    Duration allowedLateness,
    Duration dedupeRetention,
    int maxBatchRows,
    Duration flushInterval)
    implements Serializable {

  public CostOptions {
    Objects.requireNonNull(outOfOrderness, "outOfOrderness");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(allowedLateness, "allowedLateness");
    Objects.requireNonNull(dedupeRetention, "dedupeRetention");
    Objects.requireNonNull(flushInterval, "flushInterval");
    if (outOfOrderness.isNegative()) {
      throw new IllegalArgumentException(
          "GPILOT_COST_OUT_OF_ORDERNESS_MS must be >= 0, got " + outOfOrderness);
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException(
          "GPILOT_COST_IDLE_TIMEOUT_MS must be > 0, got " + idleTimeout);
    }
    if (allowedLateness.isNegative()) {
      throw new IllegalArgumentException(
          "GPILOT_COST_ALLOWED_LATENESS_MS must be >= 0, got " + allowedLateness);
    }
    if (dedupeRetention.compareTo(Duration.ofHours(1)) < 0) {
      throw new IllegalArgumentException(
          "the cost dedupe retention must be at least 1 h, got " + dedupeRetention);
    }
    if (maxBatchRows < 1) {
      throw new IllegalArgumentException("maxBatchRows must be >= 1, got " + maxBatchRows);
    }
  }

  public static final CostOptions DEFAULTS = fromEnv(Map.of());

  public static CostOptions fromEnv(Map<String, String> env) {
    String enabled = env.getOrDefault("GPILOT_COSTS", "on").strip().toLowerCase(Locale.ROOT);
    if (!enabled.equals("on") && !enabled.equals("off")) {
      throw new IllegalArgumentException("GPILOT_COSTS must be on or off, got '" + enabled + "'");
    }
    return new CostOptions(
        enabled.equals("on"),
        Duration.ofMillis(longOf(env, "GPILOT_COST_OUT_OF_ORDERNESS_MS", 5_000)),
        Duration.ofMillis(longOf(env, "GPILOT_COST_IDLE_TIMEOUT_MS", 10_000)),
        Duration.ofMillis(longOf(env, "GPILOT_COST_ALLOWED_LATENESS_MS", 600_000)),
        Duration.ofDays(8),
        // ClickHouse takes big, rare inserts best (each insert is a part to write and merge, ~20
        // columns): an
        // insert holds up to 50,000 rows (~20 MB), and goes at the next checkpoint, 5 s after its
        // first row at most.
        50_000,
        Duration.ofSeconds(5));
  }

  public CostOptions withEnabled(boolean on) {
    return new CostOptions(
        on,
        outOfOrderness,
        idleTimeout,
        allowedLateness,
        dedupeRetention,
        maxBatchRows,
        flushInterval);
  }

  /** These options with other event-time settings (tests use short ones). */
  public CostOptions withEventTime(
      Duration outOfOrderness, Duration idleTimeout, Duration allowedLateness) {
    return new CostOptions(
        enabled,
        outOfOrderness,
        idleTimeout,
        allowedLateness,
        dedupeRetention,
        maxBatchRows,
        flushInterval);
  }
}
