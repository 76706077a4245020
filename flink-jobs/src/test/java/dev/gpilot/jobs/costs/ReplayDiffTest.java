package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a cost replay reports: rows by agent and model, their total, as a table and as JSON. */
class ReplayDiffTest {
  private static final ReplayDiff DIFF =
      new ReplayDiff(
          "2026-12-01",
          "2026-11-01T00:00:00Z",
          "2026-12-01T00:00:00Z",
          true,
          List.of(
              new ReplayDiff.Row("seo-analyst", "gemini-2.5-pro", 3, 300, 240),
              new ReplayDiff.Row("agent-scout", "gemini-2.5-flash", 10, 1_000, 1_500),
              new ReplayDiff.Row("", "", 2, 0, 0)));

  @Test
  void rows_areByAgentThenModel_andTheTotalSumsThem() {
    assertThat(DIFF.rows())
        .extracting(ReplayDiff.Row::agent)
        .containsExactly("", "agent-scout", "seo-analyst");
    ReplayDiff.Row total = DIFF.total();

    assertThat(total).isEqualTo(new ReplayDiff.Row("*", "*", 15, 1_300, 1_740));
    assertThat(total.deltaMicros()).isEqualTo(440);
    assertThat(DIFF.rows().get(2).deltaMicros()).isEqualTo(-60);
  }

  @Test
  void compare_givesARowForEveryPairEitherSideHas_countingEachAttemptOnce() {
    ReplayDiff.Key flash = new ReplayDiff.Key("agent-scout", "gemini-2.5-flash");
    ReplayDiff.Key pro = new ReplayDiff.Key("agent-scout", "gemini-2.5-pro");
    ReplayDiff.Key none = new ReplayDiff.Key("", "");
    List<ReplayDiff.Row> rows =
        ReplayDiff.compare(
            Map.of(flash, new ReplayDiff.Count(4, 1_000), none, new ReplayDiff.Count(1, 0)),
            Map.of(flash, new ReplayDiff.Count(4, 700), pro, new ReplayDiff.Count(2, 90)));

    assertThat(rows)
        .containsExactly(
            new ReplayDiff.Row("", "", 1, 0, 0),
            new ReplayDiff.Row("agent-scout", "gemini-2.5-flash", 4, 1_000, 700),
            new ReplayDiff.Row("agent-scout", "gemini-2.5-pro", 2, 0, 90));
  }

  @Test
  void print_showsEachRowAndTheTotal_signedDeltas_andSaysADryRunWroteNothing() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DIFF.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();

    assertThat(lines.get(0))
        .startsWith("dry run:")
        .contains("price version 2026-12-01")
        .endsWith("(nothing written)");
    assertThat(lines).hasSize(2 + 3 + 1);
    assertThat(lines.get(2)).startsWith("(none)");
    assertThat(lines.get(3))
        .startsWith("agent-scout")
        .contains("gemini-2.5-flash")
        .endsWith("+500");
    assertThat(lines.get(4)).startsWith("seo-analyst").endsWith("-60");
    assertThat(lines.get(5)).startsWith("*").endsWith("+440");
  }

  @Test
  void save_writesTheRowsAndTheTotalAsJson_creatingTheDirectory(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("replays/diff.json");

    new ReplayDiff("v2", "a", "b", false, DIFF.rows()).save(file);

    JsonNode json = Json.mapper().readTree(Files.readString(file));
    assertThat(json.get("dryRun").asBoolean()).isFalse();
    assertThat(json.get("rows")).hasSize(3);
    assertThat(json.at("/rows/1/agent").asText()).isEqualTo("agent-scout");
    assertThat(json.at("/rows/1/deltaMicros").asLong()).isEqualTo(500);
    assertThat(json.at("/total/newCostMicros").asLong()).isEqualTo(1_740);
    assertThat(json.at("/total/attempts").asLong()).isEqualTo(15);
  }
}
