package dev.gpilot.jobs.agents;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;

/** Runs one step attempt without blocking the caller. Implementations are thread-safe. */
public interface Agent extends AutoCloseable {

  /**
   * Starts the attempt.
   *
   * @return the step's output, or a future failed with {@link AgentException} (retriable or not) or any other
   *     exception (treated as not retriable)
   */
  CompletableFuture<JsonNode> run(StepRequest request);

  @Override
  default void close() {}
}
