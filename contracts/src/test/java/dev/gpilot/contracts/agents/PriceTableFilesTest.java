package dev.gpilot.contracts.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A deployment's own price table ({@code GPILOT_PRICE_TABLE}) and what a bad one is told. */
class PriceTableFilesTest {
  private static final String ENTRY =
      "{\"id\": \"%s\", \"model\": \"gemini-*\", \"effectiveFrom\": \"2025-01-01\","
          + " \"input\": \"%s\", \"cachedInput\": \"0\", \"output\": \"1\", \"thinking\": \"1\"}";
  private static final String TWO_VERSIONS =
      "{\"tables\": ["
          + "{\"version\": \"old\", \"effectiveFrom\": \"2025-01-01\", \"prices\": ["
          + ENTRY.formatted("a", "1")
          + "]},"
          + "{\"version\": \"new\", \"effectiveFrom\": \"2026-12-01T12:00:00Z\", \"prices\": ["
          + ENTRY.formatted("a", "2")
          + "]}]}";

  @Test
  void theEnvironment_namesTheDeploymentsFile_elseTheShippedTableIsUsed(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("prices.json");
    Files.writeString(file, TWO_VERSIONS);
    PriceTable own = PriceTable.load(Map.of(PriceTable.ENV, " " + file + " "));
    assertThat(own.source()).isEqualTo(file.toString());
    assertThat(own.version()).isEqualTo("new");
    assertThat(own.versions())
        .extracting(PriceTable.Version::version)
        .containsExactly("old", "new");
    assertThat(Json.mapper().readTree(own.json()))
        .as("the file as read, for a replay's record")
        .isEqualTo(Json.mapper().readTree(TWO_VERSIONS));

    assertThat(PriceTable.load(Map.of()).source())
        .isEqualTo(PriceTable.shipped().source())
        .isEqualTo("classpath:" + PriceTable.RESOURCE);
    assertThat(PriceTable.load(Map.of(PriceTable.ENV, "  ")).source())
        .isEqualTo("classpath:" + PriceTable.RESOURCE);
  }

  @Test
  void aMissingFile_isReportedWithItsPathAndTheVariable(@TempDir Path dir) {
    Path missing = dir.resolve("nope.json");
    assertThatThrownBy(() -> PriceTable.load(Map.of(PriceTable.ENV, missing.toString())))
        .isInstanceOf(CatalogException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining(PriceTable.ENV);
  }

  @Test
  void onlyReducesTheTableToOneVersion_inForceAtAnyTime() throws Exception {
    PriceTable table = parse(TWO_VERSIONS);
    PriceTable old = table.only(table.version("old").orElseThrow());
    assertThat(old.versions()).hasSize(1);
    assertThat(old.versionAt(Instant.parse("2030-01-01T00:00:00Z")).version()).isEqualTo("old");
    assertThat(old.source()).isEqualTo("test.json#old");
    assertThat(table.version("missing")).isEmpty();
    JsonNode summary = Json.mapper().readTree(old.json());
    assertThat(summary.get("tables").get(0).get("version").asText()).isEqualTo("old");
    assertThat(summary.get("tables").get(0).get("entries").asInt()).isEqualTo(1);
  }

  @Test
  void badTables_areRefusedNamingTheFileAndWhatIsWrong() {
    assertRefused("[1, 2]", "test.json: a price table is a JSON object");
    assertRefused("{\"tables\": {", "test.json: not JSON");
    assertRefused("{\"tables\": []}", "\"tables\" must be a non-empty array");
    assertRefused("{\"tables\": [7]}", "test.json: tables[0] is not an object");
    assertRefused(
        "{\"tables\": [{\"version\": \"v\", \"prices\": [" + ENTRY.formatted("a", "1") + "]}]}",
        "\"effectiveFrom\" is required for every version");
    assertRefused(TWO_VERSIONS.replace("\"new\"", "\"old\""), "version 'old' is used twice");
    assertRefused(
        TWO_VERSIONS.replace("2026-12-01T12:00:00Z", "2025-01-01"),
        "another version takes effect at");
    assertRefused(
        TWO_VERSIONS.replace("2026-12-01T12:00:00Z", "next tuesday"),
        "effectiveFrom must be an ISO-8601 instant or a day (YYYY-MM-DD), got 'next tuesday'");
    assertRefused("{\"version\": \"v\", \"prices\": {}}", "\"prices\" must be a non-empty array");
    assertRefused(
        "{\"version\": \"v\", \"prices\": [\"a\"]}", "test.json: prices[0] is not an object");
    assertRefused(
        "{\"version\": \"v\", \"prices\": ["
            + ENTRY.formatted("a", "1")
            + ", "
            + ENTRY.formatted("a", "1").replace("gemini-*", "gemini-2*")
            + "]}",
        "price 'a': the id is used twice");
    assertRefused(
        "{\"version\": \"v\", \"prices\": [" + ENTRY.formatted("a", "1.2.3") + "]}",
        "price 'a': input is not a decimal number");
    String longContext =
        ENTRY
            .formatted("a", "1")
            .replace(
                "}",
                ", \"longContext\": {\"promptTokensAbove\": 0,"
                    + " \"input\": \"2\", \"cachedInput\": \"0\", \"output\": \"2\", \"thinking\": \"2\"}}");
    assertRefused(
        "{\"version\": \"v\", \"prices\": [" + longContext + "]}",
        "price 'a'.longContext: promptTokensAbove must be a positive integer");
    assertThat(
            parse(
                    "{\"version\": \"v\", \"prices\": ["
                        + longContext.replace(
                            "\"promptTokensAbove\": 0", "\"promptTokensAbove\": 200000")
                        + "]}")
                .prices()
                .get(0))
        .isNotNull();
  }

  private static void assertRefused(String json, String message) {
    assertThatThrownBy(() -> parse(json))
        .as(json)
        .isInstanceOf(CatalogException.class)
        .hasMessageContaining(message);
  }

  private static PriceTable parse(String json) {
    return PriceTable.parse(
        new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test.json");
  }
}
