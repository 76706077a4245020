package dev.gpilot.jobs.agents;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;

/** Runs one step attempt without blocking the caller. Implementations are thread-safe. */
public interface Agent extends AutoCloseable {

  /**
   * Starts the attempt.
   *
   * @return the step's output, or a future failed with {@link AgentException} (retriable or not) or
   *     any other exception (treated as not retriable)
   */
  CompletableFuture<JsonNode> run(StepRequest request);

  /**
   * Starts the attempt and reports what it used: the executor calls this. Agents that call a model
   * override it to return their {@link ModelCharge}; the default has none.
   *
   * @return the reply, or a future failed as for {@link #run(StepRequest)}
   */
  default CompletableFuture<AgentReply> call(StepRequest request) {
    return run(request).thenApply(AgentReply::of);
  }

  /**
   * Starts the attempt, reporting the text of a streaming model call to {@code deltas} as it
   * arrives (before the returned future completes): the executor calls this. Agents that stream
   * override it; the default streams nothing.
   *
   * @return the reply, as for {@link #call(StepRequest)}
   */
  default CompletableFuture<AgentReply> call(StepRequest request, DeltaListener deltas) {
    return call(request);
  }

  @Override
  default void close() {}
}
