package dev.gpilot.jobs.agents;

import dev.gpilot.contracts.step.StepResult;
import java.io.Serializable;
import java.util.Map;

/**
 * Where the {@link AgentExecutor} looks, when it opens, for attempts that already finished: after a
 * restore, Flink's async operator runs again every request that was in flight at the checkpoint,
 * and those whose result is already in the step-results topic are delivered again instead of being
 * run (and paid for) twice. Read on the task manager, in {@code open()}, never while the graph is
 * built.
 */
@FunctionalInterface
public interface FinishedAttempts extends Serializable {
  /** Nothing to skip: an executor outside the job's loop, or a job without a step-results topic. */
  FinishedAttempts NONE = Map::of;

  /** The results, by attempt id, that a restored job may hand the executor again. */
  Map<String, StepResult> read();

  /**
   * The results in {@code gpilot.step-results.v1} after the offsets {@code groupId} committed
   * ({@link CompletedAttempts}).
   */
  static FinishedAttempts inTopic(String bootstrapServers, String groupId) {
    return () -> CompletedAttempts.since(bootstrapServers, groupId);
  }
}
