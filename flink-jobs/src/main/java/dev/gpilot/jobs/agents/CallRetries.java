package dev.gpilot.jobs.agents;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.DoubleSupplier;

/**
 * When a step attempt calls its agent again after a retriable failure (429, 5xx, timeouts), and
 * after how long. A plain rule with no Flink types; the {@link AgentExecutor} applies it.
 *
 * <ul>
 *   <li>The provider said when (Retry-After): wait that long, at least {@code initialDelay}, plus
 *       0–25 % jitter (never less than asked). As often as the attempt's time allows: a throttled
 *       provider is called about once per Retry-After, not in a loop, and a step survives a
 *       rate-limit storm shorter than its timeout.
 *   <li>Otherwise: {@code initialDelay} × 2^(n−1), at most {@code maxDelay}, ±25 % jitter, at most
 *       {@code retries} times.
 *   <li>Never past the attempt's deadline: when the wait would end after it, the attempt ends now
 *       with the failure (and its Retry-After, which the scheduler then honours before the next
 *       attempt). An attempt without a deadline (tests) counts Retry-After calls against {@code
 *       retries} too.
 *   <li>{@code retries} 0: never within the attempt; every retriable failure goes to the scheduler.
 * </ul>
 *
 * <p>The jitter spreads the calls of many steps that failed at the same moment, so they do not all
 * come back in the same instant.
 *
 * @param retries more calls after failures without a Retry-After ({@code GPILOT_AGENT_RETRIES}); 0
 *     for none at all
 * @param initialDelay the first back-off, and the least wait even when the provider asks for less
 * @param maxDelay the longest back-off without a Retry-After
 */
public record CallRetries(int retries, Duration initialDelay, Duration maxDelay)
    implements Serializable {
  /** One call per attempt. */
  public static final CallRetries NONE = new CallRetries(0, Duration.ZERO, Duration.ZERO);

  public CallRetries {
    Objects.requireNonNull(initialDelay, "initialDelay");
    Objects.requireNonNull(maxDelay, "maxDelay");
    if (retries < 0) {
      throw new IllegalArgumentException("retries must be >= 0, got " + retries);
    }
    if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException("need 0 <= initialDelay <= maxDelay");
    }
  }

  /**
   * The wait before the next call of an attempt whose last call failed retriably.
   *
   * @param calls the calls the attempt has made, the failed one included (1 after the first)
   * @param retryAfter what the provider asked for, or null
   * @param now, deadline epoch milliseconds; {@code deadline} 0 for an attempt without one
   * @param random uniform in [0, 1)
   * @return the wait in milliseconds, or empty to end the attempt with this failure
   */
  public OptionalLong nextDelayMs(
      int calls, Duration retryAfter, long now, long deadline, DoubleSupplier random) {
    if (retries == 0) {
      return OptionalLong.empty();
    }
    long wait;
    if (retryAfter != null) {
      if (deadline <= 0 && calls > retries) {
        return OptionalLong.empty();
      }
      long asked = Math.max(retryAfter.toMillis(), initialDelay.toMillis());
      wait = asked + (long) Math.ceil(asked * 0.25 * random.getAsDouble());
    } else {
      if (calls > retries) {
        return OptionalLong.empty();
      }
      double base = Math.min(initialDelay.toMillis() * Math.pow(2, calls - 1), maxDelay.toMillis());
      wait = Math.round(base * (0.75 + 0.5 * random.getAsDouble()));
    }
    if (deadline > 0 && now + wait >= deadline) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(wait);
  }
}
