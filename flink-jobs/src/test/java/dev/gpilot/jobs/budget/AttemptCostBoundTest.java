package dev.gpilot.jobs.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.agents.AgentCatalog;
import dev.gpilot.contracts.agents.ModelPrice;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.jobs.agents.StepRequest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the budget gate reserves for an attempt (SPEC.md section 11, "Reservations"). */
class AttemptCostBoundTest {
  private static final long T0 = Instant.parse("2026-03-01T12:00:00Z").toEpochMilli();
  private static final AttemptCostBound SHIPPED =
      AttemptCostBound.of(AgentCatalog.shipped(), PriceTable.shipped());

  private static StepRequest request(
      String agent, JsonNode parameters, Map<String, JsonNode> dependencies) {
    return new StepRequest(
        "m", "ws", "s2", 1, agent, "write the post", parameters, "launch", T0, dependencies);
  }

  @Test
  void everyByteOfADependencysOutput_isReservedAsAPromptToken() {
    long without = SHIPPED.bound(request("agent-scout", null, Map.of()), T0).worstMicros();
    String text = "x".repeat(1_000_000);
    JsonNode output = Json.mapper().getNodeFactory().textNode(text);
    long with = SHIPPED.bound(request("agent-scout", null, Map.of("s1", output)), T0).worstMicros();

    ModelPrice flash =
        PriceTable.shipped().find("gemini-2.5-flash", Instant.ofEpochMilli(T0)).orElseThrow();
    // The output is held as JSON text: the million characters, two quotes, and the step id "s1".
    long extraTokens = text.length() + 2 + 2;
    long lowest = flash.costMicros(new Usage(extraTokens, 0, 0, 0));
    assertThat(with - without)
        .as("at least the extra prompt at the input price")
        .isGreaterThanOrEqualTo(lowest - 1);
  }

  @Test
  void aScriptedCost_isTheExactReservation_neverNegative() {
    JsonNode scripted =
        Json.mapper()
            .createObjectNode()
            .set(
                "simulate",
                Json.mapper()
                    .createObjectNode()
                    .put("costMicros", 1_234)
                    .put("model", "gemini-2.5-pro"));
    assertThat(SHIPPED.bound(request("agent-scout", scripted, Map.of()), T0))
        .isEqualTo(new AttemptCostBound.Bound("gemini-2.5-pro", 1_234));
    JsonNode negative =
        Json.mapper()
            .createObjectNode()
            .set("simulate", Json.mapper().createObjectNode().put("costMicros", -5));
    assertThat(SHIPPED.bound(request("agent-scout", negative, Map.of()), T0))
        .isEqualTo(new AttemptCostBound.Bound("simulated", 0));
  }

  @Test
  void anAgentOrModelWithoutAPrice_reservesNothing_andAForksModelWins() {
    assertThat(SHIPPED.bound(request("no-such-agent", null, Map.of()), T0))
        .isEqualTo(new AttemptCostBound.Bound(null, 0));
    StepRequest onAnUnpricedModel =
        new StepRequest(
            "m",
            "ws",
            "s1",
            1,
            "agent-scout",
            "a",
            null,
            "launch",
            Map.of(),
            0,
            T0,
            "gpt-unpriced");
    assertThat(SHIPPED.bound(onAnUnpricedModel, T0))
        .isEqualTo(new AttemptCostBound.Bound("gpt-unpriced", 0));
    StepRequest onPro =
        new StepRequest(
            "m",
            "ws",
            "s1",
            1,
            "agent-scout",
            "a",
            null,
            "launch",
            Map.of(),
            0,
            T0,
            "gemini-2.5-pro");
    AttemptCostBound.Bound pro = SHIPPED.bound(onPro, T0);
    assertThat(pro.model()).isEqualTo("gemini-2.5-pro");
    assertThat(pro.worstMicros())
        .as("pro is dearer than the agent's flash")
        .isGreaterThan(SHIPPED.bound(request("agent-scout", null, Map.of()), T0).worstMicros());
  }

  @Test
  void theDeploymentsCatalogAndPriceFiles_areTheOnesPricedBy(@TempDir Path dir) throws Exception {
    Path catalog = dir.resolve("catalog.json");
    Path prices = dir.resolve("prices.json");
    copy("agents/catalog.json", catalog);
    copy("agents/prices.json", prices);
    StepRequest r = request("agent-scout", null, Map.of());
    assertThat(new AttemptCostBound(catalog.toString(), prices.toString()).bound(r, T0))
        .isEqualTo(SHIPPED.bound(r, T0));
    Files.writeString(prices, Files.readString(prices).replace("gemini-", "renamed-"));
    assertThat(
            new AttemptCostBound(catalog.toString(), prices.toString()).bound(r, T0).worstMicros())
        .as("the file's prices, not the shipped ones: flash is unpriced there")
        .isZero();
  }

  private static void copy(String resource, Path to) throws Exception {
    try (InputStream in = AttemptCostBound.class.getClassLoader().getResourceAsStream(resource)) {
      Files.copy(in, to);
    }
  }
}
