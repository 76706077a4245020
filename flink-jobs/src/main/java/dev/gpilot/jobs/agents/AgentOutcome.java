package dev.gpilot.jobs.agents;

import dev.gpilot.contracts.step.StepResult;
import java.util.Objects;

/**
 * What the executor's async operator emits for one call of a step attempt: the result, and whether a failure is
 * worth another call. Flink's retry strategy looks at {@link #retriable()}; what leaves the operator is
 * {@link #result()}.
 */
public record AgentOutcome(StepResult result, boolean retriable) {
  public AgentOutcome {
    Objects.requireNonNull(result, "result");
    if (retriable && result.succeeded()) {
      throw new IllegalArgumentException("a successful result is never retried");
    }
  }
}
