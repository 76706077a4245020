package dev.gpilot.jobs.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Json;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in agent that answers after a fixed latency without calling a model. One timer thread
 * serves any number of concurrent attempts: waiting costs no thread.
 *
 * <p>Its output is {@code {"text": "<agent> finished: <action>", "simulated": true}}. A step's
 * {@code parameters.simulate} scripts it, for demos and tests: {@code output} (an object merged
 * into the output), {@code latencyMs}, {@code failAttempts} (the first N attempts fail with a
 * retriable error), {@code error} (every attempt fails with this non-retriable error), {@code
 * stream} (an array of strings: streamed as the call's text deltas, in order, before the answer,
 * and together the output's {@code text}), and what every attempt used and cost (success or
 * failure): {@code model}, {@code usage} ({@code {promptTokens, outputTokens, thinkingTokens,
 * cachedTokens}}), {@code costMicros}, {@code priceVersion}; without any of these an attempt
 * reports no model, usage or cost. A request's own {@link StepRequest#model()} (a fork's) is the
 * model it reports, with the scripted usage and cost or none.
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
  public CompletableFuture<AgentReply> call(StepRequest request, DeltaListener deltas) {
    JsonNode script = request.parameters() == null ? null : request.parameters().get("simulate");
    ModelCharge charge = onModel(charge(script), request.model());
    long latency =
        script != null && script.has("latencyMs") ? script.get("latencyMs").asLong() : latencyMs;
    CompletableFuture<AgentReply> result = new CompletableFuture<>();
    Runnable answer =
        () -> {
          if (script != null && script.has("error")) {
            result.completeExceptionally(
                new AgentException(script.get("error").asText(), false, charge, null));
          } else if (script != null && request.attempt() <= script.path("failAttempts").asInt(0)) {
            result.completeExceptionally(
                new AgentException("simulated transient failure", true, charge, null));
          } else {
            result.complete(new AgentReply(output(request, script), charge));
          }
        };
    JsonNode stream = script == null ? null : script.get("stream");
    if (stream != null && stream.isArray()) {
      // On the timer's one thread, as a model stream's reader would: the text, then the answer.
      timer.execute(
          () -> {
            for (int i = 0; i < stream.size(); i++) {
              deltas.onDelta(request, i, stream.get(i).asText());
            }
          });
      timer.schedule(answer, Math.max(latency, 0), TimeUnit.MILLISECONDS);
    } else if (latency <= 0) {
      answer.run();
    } else {
      timer.schedule(answer, latency, TimeUnit.MILLISECONDS);
    }
    return result;
  }

  /** The scripted model, usage and cost of every attempt, or null when the script names none. */
  private static ModelCharge charge(JsonNode script) {
    if (script == null
        || !(script.has("model") || script.has("usage") || script.has("costMicros"))) {
      return null;
    }
    JsonNode u = script.path("usage");
    Usage usage =
        new Usage(
            u.path("promptTokens").asLong(0),
            u.path("outputTokens").asLong(0),
            u.path("thinkingTokens").asLong(0),
            u.path("cachedTokens").asLong(0));
    return new ModelCharge(
        script.path("model").asText("simulated"),
        usage,
        script.path("costMicros").asLong(0),
        script.has("priceVersion") ? script.get("priceVersion").asText() : null);
  }

  /**
   * A fork's model (the request's) replaces the scripted one: an attempt reports the model it was
   * asked to run on.
   */
  private static ModelCharge onModel(ModelCharge charge, String model) {
    if (model == null) {
      return charge;
    }
    return charge == null
        ? new ModelCharge(model, Usage.ZERO, 0, null)
        : new ModelCharge(model, charge.usage(), charge.costMicros(), charge.priceVersion());
  }

  private static JsonNode output(StepRequest request, JsonNode script) {
    ObjectNode output = Json.mapper().createObjectNode();
    JsonNode stream = script == null ? null : script.get("stream");
    if (stream != null && stream.isArray()) {
      StringBuilder text = new StringBuilder();
      stream.forEach(part -> text.append(part.asText()));
      output.put("text", text.toString());
    } else {
      output.put("text", request.agent() + " finished: " + request.action());
    }
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
