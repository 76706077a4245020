package dev.gpilot.jobs.budget;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.agents.AgentCatalog;
import dev.gpilot.contracts.agents.AgentDefinition;
import dev.gpilot.contracts.agents.ModelPrice;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.jobs.agents.StepRequest;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The most a step attempt can cost, before it runs: what the budget gate reserves. A call's prompt
 * has at most one token per byte of its text (system instruction, mission, action, parameters,
 * dependency outputs, plus a fixed allowance for the prompt's frame), its answer at most the
 * agent's {@code maxOutputTokens}, each priced at the dearest of the output and thinking rates that
 * apply. Simulated agents whose step scripts a cost ({@code parameters.simulate.costMicros}) cost
 * exactly that.
 */
public final class AttemptCostBound implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Tokens for what the prompt adds around the texts (headings, separators, the output schema's
   * frame).
   */
  static final long PROMPT_FRAME_TOKENS = 512;

  /** The model an attempt runs on and the most it can cost. */
  public record Bound(String model, long worstMicros) {}

  private final String catalogPath;
  private final String pricesPath;
  private transient AgentCatalog catalog;
  private transient PriceTable prices;

  /**
   * @param catalogPath the agent catalog file, or null for the shipped one; the same for the price
   *     table
   */
  public AttemptCostBound(String catalogPath, String pricesPath) {
    this.catalogPath = catalogPath;
    this.pricesPath = pricesPath;
  }

  /** With the given catalog and prices (tests). */
  public static AttemptCostBound of(AgentCatalog catalog, PriceTable prices) {
    AttemptCostBound bound = new AttemptCostBound(null, null);
    bound.catalog = catalog;
    bound.prices = prices;
    return bound;
  }

  public Bound bound(StepRequest request, long now) {
    JsonNode script = request.parameters() == null ? null : request.parameters().path("simulate");
    if (script != null && script.has("costMicros")) {
      String model =
          request.model() != null ? request.model() : script.path("model").asText("simulated");
      return new Bound(model, Math.max(0, script.get("costMicros").asLong()));
    }
    Optional<AgentDefinition> agent = catalog().find(request.agent());
    String model =
        request.model() != null ? request.model() : agent.map(AgentDefinition::model).orElse(null);
    if (agent.isEmpty() || model == null) {
      return new Bound(model, 0);
    }
    Optional<ModelPrice> price = prices().find(model, Instant.ofEpochMilli(now));
    if (price.isEmpty()) {
      return new Bound(model, 0);
    }
    long prompt =
        PROMPT_FRAME_TOKENS
            + bytes(agent.get().systemInstruction())
            + bytes(request.mission())
            + bytes(request.action())
            + (request.parameters() == null ? 0 : bytes(request.parameters().toString()));
    for (Map.Entry<String, JsonNode> dep : request.dependencyOutputs().entrySet()) {
      prompt += bytes(dep.getKey()) + bytes(dep.getValue().toString());
    }
    if (agent.get().outputSchema() != null) {
      prompt += bytes(agent.get().outputSchema().toString());
    }
    long out = agent.get().maxOutputTokens();
    long asOutput = price.get().costMicros(new Usage(prompt, out, 0, 0));
    long asThinking = price.get().costMicros(new Usage(prompt, 0, out, 0));
    return new Bound(model, Math.max(asOutput, asThinking));
  }

  private AgentCatalog catalog() {
    if (catalog == null) {
      catalog =
          catalogPath == null
              ? AgentCatalog.shipped()
              : AgentCatalog.fromFile(java.nio.file.Path.of(catalogPath));
    }
    return catalog;
  }

  private PriceTable prices() {
    if (prices == null) {
      prices =
          pricesPath == null
              ? PriceTable.shipped()
              : PriceTable.fromFile(java.nio.file.Path.of(pricesPath));
    }
    return prices;
  }

  private static long bytes(String text) {
    return text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length;
  }
}
