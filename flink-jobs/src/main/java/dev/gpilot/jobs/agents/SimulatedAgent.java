package dev.gpilot.jobs.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in agent that answers after a fixed latency without calling a model. One timer thread serves any number
 * of concurrent attempts: waiting costs no thread.
 */
public final class SimulatedAgent implements Agent {
  private final long latencyMs;
  private final ScheduledExecutorService timer;

  public SimulatedAgent(long latencyMs) {
    this.latencyMs = latencyMs;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "simulated-agent-timer");
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public CompletableFuture<JsonNode> run(StepRequest request) {
    CompletableFuture<JsonNode> result = new CompletableFuture<>();
    Runnable answer = () -> result.complete(output(request));
    if (latencyMs <= 0) {
      answer.run();
    } else {
      timer.schedule(answer, latencyMs, TimeUnit.MILLISECONDS);
    }
    return result;
  }

  private static JsonNode output(StepRequest request) {
    ObjectNode output = Json.mapper().createObjectNode();
    output.put("text", request.agent() + " finished: " + request.action());
    output.put("simulated", true);
    return output;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
