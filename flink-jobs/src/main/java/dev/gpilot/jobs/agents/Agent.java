package dev.gpilot.jobs.agents;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;

/**
 * Runs one step attempt without blocking the caller. Implementations are thread-safe and implement
 * {@link #call(StepRequest, DeltaListener)}; the other methods are views of it.
 */
public interface Agent extends AutoCloseable {

  /**
   * Starts the attempt, reporting the text of a streaming model call to {@code deltas} as it
   * arrives (before the returned future completes), and what the attempt used: the executor calls
   * this. Agents that do not stream ignore {@code deltas}; agents that call no model reply with no
   * {@link ModelCharge} ({@link AgentReply#of}).
   *
   * @return the reply, or a future failed with {@link AgentException} (retriable or not) or any
   *     other exception (treated as not retriable)
   */
  CompletableFuture<AgentReply> call(StepRequest request, DeltaListener deltas);

  /**
   * Starts the attempt without listening to its deltas, as {@link #call(StepRequest,
   * DeltaListener)}.
   */
  default CompletableFuture<AgentReply> call(StepRequest request) {
    return call(request, DeltaListener.NONE);
  }

  /**
   * Starts the attempt, as {@link #call(StepRequest)}.
   *
   * @return the step's output, or a future failed as for {@link #call(StepRequest, DeltaListener)}
   */
  default CompletableFuture<JsonNode> run(StepRequest request) {
    return call(request).thenApply(AgentReply::output);
  }

  @Override
  default void close() {}
}
