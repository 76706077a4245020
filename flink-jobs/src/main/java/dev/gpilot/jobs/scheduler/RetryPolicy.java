package dev.gpilot.jobs.scheduler;

import dev.gpilot.contracts.step.StepResult;
import java.io.Serializable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long the scheduler waits before the next attempt of a step whose attempt failed retriably.
 * The one place the delay is decided ({@link MissionMachine} announces it as {@code step.retrying}
 * with {@code retryInMs} and sets a timer for it). Whether an attempt is retried at all (retriable,
 * attempts left) is the machine's rule.
 */
@FunctionalInterface
public interface RetryPolicy extends Serializable {
  /**
   * @param failedAttempt the attempt that failed, 1 for the first
   * @param result the failed attempt's result, or null when the attempt timed out (no result)
   * @return the wait in milliseconds, at least 0
   */
  long delayMs(int failedAttempt, StepResult result);

  /**
   * {@code base × 2^(failedAttempt−1)}, at most {@code max}, with ±25 % jitter so retries of many
   * steps do not hit a provider in lockstep; when the provider said when to come back ({@link
   * StepResult#retryAfterMs()}), at least that plus 0–25 % jitter (never sooner than asked, and
   * steps throttled together do not return together).
   */
  static RetryPolicy exponential(SchedulerOptions options) {
    long base = options.retryBaseDelay().toMillis();
    long max = options.retryMaxDelay().toMillis();
    return (failedAttempt, result) -> {
      double capped = Math.min(base * Math.pow(2, failedAttempt - 1), max);
      long backoff = Math.round(capped * ThreadLocalRandom.current().nextDouble(0.75, 1.25));
      Long asked = result == null ? null : result.retryAfterMs();
      return asked == null
          ? backoff
          : Math.max(
              backoff,
              asked + (long) Math.ceil(asked * 0.25 * ThreadLocalRandom.current().nextDouble()));
    };
  }
}
