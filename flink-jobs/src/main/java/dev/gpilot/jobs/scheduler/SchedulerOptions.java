package dev.gpilot.jobs.scheduler;

import java.io.Serializable;
import java.time.Duration;
import java.util.Set;

/**
 * How the scheduler runs steps.
 *
 * @param knownAgents the agents a plan may name
 * @param defaultMaxAttempts attempts per step (first included) when the plan does not say
 * @param defaultStepTimeout per-attempt timeout when the plan does not say
 * @param retryBaseDelay the wait before the 2nd attempt; it doubles per attempt, with ±25 % jitter
 * @param retryMaxDelay the longest wait between attempts
 * @param retention how long a finished mission's state is kept (so a late duplicate submission is
 *     still dropped)
 * @param overseerByDefault whether a mission without a plan or {@code config.planner} is planned by
 *     the Mission Overseer (true when the agents are models) or by the deterministic planner
 */
public record SchedulerOptions(
    Set<String> knownAgents,
    int defaultMaxAttempts,
    Duration defaultStepTimeout,
    Duration retryBaseDelay,
    Duration retryMaxDelay,
    Duration retention,
    boolean overseerByDefault)
    implements Serializable {

  public SchedulerOptions {
    knownAgents = Set.copyOf(knownAgents);
    if (defaultMaxAttempts < 1) {
      throw new IllegalArgumentException("defaultMaxAttempts must be at least 1");
    }
    if (retryBaseDelay.isNegative() || retryMaxDelay.compareTo(retryBaseDelay) < 0) {
      throw new IllegalArgumentException("need 0 <= retryBaseDelay <= retryMaxDelay");
    }
  }
}
