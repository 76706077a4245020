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
 *
 * <p>Its output is {@code {"text": "<agent> finished: <action>", "simulated": true}}. A step's
 * {@code parameters.simulate} scripts it, for demos and tests: {@code output} (an object merged into the output),
 * {@code latencyMs}, {@code failAttempts} (the first N attempts fail with a retriable error), {@code error} (every
 * attempt fails with this non-retriable error).
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
    JsonNode script = request.parameters() == null ? null : request.parameters().get("simulate");
    long latency = script != null && script.has("latencyMs") ? script.get("latencyMs").asLong() : latencyMs;
    CompletableFuture<JsonNode> result = new CompletableFuture<>();
    Runnable answer = () -> {
      if (script != null && script.has("error")) {
        result.completeExceptionally(new AgentException(script.get("error").asText(), false));
      } else if (script != null && request.attempt() <= script.path("failAttempts").asInt(0)) {
        result.completeExceptionally(new AgentException("simulated transient failure", true));
      } else {
        result.complete(output(request, script));
      }
    };
    if (latency <= 0) {
      answer.run();
    } else {
      timer.schedule(answer, latency, TimeUnit.MILLISECONDS);
    }
    return result;
  }

  private static JsonNode output(StepRequest request, JsonNode script) {
    ObjectNode output = Json.mapper().createObjectNode();
    output.put("text", request.agent() + " finished: " + request.action());
    output.put("simulated", true);
    if (script != null && script.path("output").isObject()) {
      output.setAll((ObjectNode) script.get("output"));
    }
    return output;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
