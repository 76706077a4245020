package dev.gpilot.contracts.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentCatalogTest {
  private static AgentCatalog parse(String json) {
    return AgentCatalog.parse(
        new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test.json");
  }

  @Test
  void shippedCatalog_hasTheFleet_andSeoAnalystAnswersWithScoreAndIssues() {
    AgentCatalog catalog = AgentCatalog.shipped();
    assertThat(catalog.names())
        .containsExactly(
            "mission-overseer",
            "genesis-architect",
            "agent-scout",
            "content-orchestrator",
            "seo-analyst",
            "independent-verifier",
            "ui-auditor");
    AgentDefinition seo = catalog.get("seo-analyst");
    assertThat(seo.structured()).isTrue();
    assertThat(seo.outputSchema().at("/properties/seoScore/type").asText()).isEqualTo("integer");
    assertThat(seo.outputSchema().at("/properties/issues/items/type").asText()).isEqualTo("string");
    assertThat(catalog.get("agent-scout").structured()).isFalse();
    assertThat(catalog.plannable()).doesNotContain("mission-overseer").hasSize(6);
  }

  @Test
  void envVariable_replacesTheShippedCatalog(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("agents.json");
    Files.writeString(
        file,
        """
        {"agents": [{"name": "solo", "description": "d", "model": "gemini-2.5-flash", "systemInstruction": "s",
                     "maxOutputTokens": 100, "temperature": 1}]}""");
    AgentCatalog catalog = AgentCatalog.load(Map.of(AgentCatalog.ENV, file.toString()));
    assertThat(catalog.names()).containsExactly("solo");
    assertThat(catalog.source()).isEqualTo(file.toString());
    assertThat(AgentCatalog.load(Map.of()).names()).contains("seo-analyst");
  }

  @Test
  void invalidCatalogs_areRejectedWithTheReason() {
    String agent =
        "{\"name\": \"%s\", \"description\": \"d\", \"model\": \"m\", \"systemInstruction\": \"s\","
            + " \"maxOutputTokens\": %d, \"temperature\": %s%s}";
    assertThatThrownBy(
            () -> parse("{\"agents\": [" + agent.formatted("Bad_Name", 10, "0", "") + "]}"))
        .isInstanceOf(CatalogException.class)
        .hasMessageContaining("test.json")
        .hasMessageContaining("Bad_Name");
    assertThatThrownBy(() -> parse("{\"agents\": [" + agent.formatted("a", 0, "0", "") + "]}"))
        .hasMessageContaining("maxOutputTokens");
    assertThatThrownBy(() -> parse("{\"agents\": [" + agent.formatted("a", 10, "2.5", "") + "]}"))
        .hasMessageContaining("temperature");
    assertThatThrownBy(
            () ->
                parse(
                    "{\"agents\": ["
                        + agent.formatted("a", 10, "0", ", \"outputSchema\": []")
                        + "]}"))
        .hasMessageContaining("outputSchema");
    assertThatThrownBy(
            () ->
                parse(
                    "{\"agents\": [" + agent.formatted("a", 10, "0", ", \"modle\": \"x\"") + "]}"))
        .hasMessageContaining("modle");
    assertThatThrownBy(
            () ->
                parse(
                    "{\"agents\": ["
                        + agent.formatted("a", 10, "0", "")
                        + ", "
                        + agent.formatted("a", 10, "0", "")
                        + "]}"))
        .hasMessageContaining("defined twice");
    assertThatThrownBy(() -> parse("{\"agents\": []}")).hasMessageContaining("no agents");
    assertThatThrownBy(() -> parse("{}")).hasMessageContaining("\"agents\" is missing");
    assertThatThrownBy(() -> AgentCatalog.fromFile(Path.of("/nonexistent/agents.json")))
        .hasMessageContaining(AgentCatalog.ENV);
  }
}
