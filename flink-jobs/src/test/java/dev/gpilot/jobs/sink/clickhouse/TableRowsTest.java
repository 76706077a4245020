package dev.gpilot.jobs.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.StepStarted;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.jobs.costs.CostRollup;
import dev.gpilot.jobs.costs.CostRows;
import dev.gpilot.jobs.costs.CostTotals;
import dev.gpilot.jobs.costs.TaggedCost;
import dev.gpilot.jobs.vault.AuditEventRows;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The JSON rows the job inserts into ClickHouse, against the tables the shipped migrations make
 * (read from {@code contracts}, in the order {@code migrations.txt} gives): a row names exactly the
 * table's columns, so an insert neither fails on an unknown column nor leaves one to its default by
 * mistake; and the values are what the readers expect (seconds for DateTime, milliseconds beside
 * them, "" for absent text).
 */
class TableRowsTest {
  private static final Pattern CREATE =
      Pattern.compile("CREATE TABLE IF NOT EXISTS (\\w+) \\((.*?)\\) ENGINE", Pattern.DOTALL);
  private static final Pattern ADD = Pattern.compile("ALTER TABLE (\\w+) ADD COLUMN (\\w+) ");

  /** The columns of {@code table} once every shipped migration has run. */
  static Set<String> columns(String table) {
    Set<String> columns = new LinkedHashSet<>();
    for (String migration : read("migrations.txt").strip().split("\\s+")) {
      String sql = read(migration).replaceAll("(?m)--.*$", "");
      Matcher create = CREATE.matcher(sql);
      while (create.find()) {
        if (create.group(1).equals(table)) {
          for (String line : create.group(2).split(",")) {
            columns.add(line.strip().split("\\s+")[0]);
          }
        }
      }
      Matcher add = ADD.matcher(sql);
      while (add.find()) {
        if (add.group(1).equals(table)) {
          columns.add(add.group(2));
        }
      }
    }
    assertThat(columns).as("table " + table + " in the migrations").isNotEmpty();
    return columns;
  }

  private static String read(String name) {
    try (InputStream in =
        TableRowsTest.class.getClassLoader().getResourceAsStream("clickhouse/migrations/" + name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> fields(ObjectNode row) {
    List<String> names = new ArrayList<>();
    row.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void aMissionSummary_isARowOfMissions_withEveryColumn() throws Exception {
    Plan plan =
        new Plan(
            List.of(new PlanStep("s1", "agent-scout", "look", null, List.of(), null, null, null)));
    JsonNode result = Json.mapper().readTree("{\"s1\": {\"text\": \"done\"}}");
    MissionSummary summary =
        new MissionSummary(
            "ws-a",
            "m1",
            MissionStatus.COMPLETED,
            "Plan a launch",
            1_764_100_000_123L,
            1_764_100_000_200L,
            1_764_100_001_500L,
            1,
            1,
            0,
            plan,
            result,
            null,
            250,
            Map.of("agent-scout", 250L),
            9);

    ObjectNode row = MissionSummaryRows.encode(summary);

    assertThat(fields(row)).containsExactlyInAnyOrderElementsOf(columns(MissionSummaryRows.TABLE));
    assertThat(row.get("submitted_at").asLong()).as("DateTime: seconds").isEqualTo(1_764_100_000L);
    assertThat(row.get("submitted_at_ms").asLong()).isEqualTo(1_764_100_000_123L);
    assertThat(row.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(row.get("reason").asText()).as("absent text is empty, not null").isEmpty();
    assertThat(Json.mapper().readTree(row.get("plan").asText()).at("/steps/0/id").asText())
        .isEqualTo("s1");
    assertThat(Json.mapper().readTree(row.get("result").asText())).isEqualTo(result);
    assertThat(Json.mapper().readTree(row.get("agent_costs").asText()).get("agent-scout").asLong())
        .isEqualTo(250);
    assertThat(row.get("version").asLong()).isEqualTo(9);
  }

  @Test
  void aMissionStillPlanning_hasEmptyPlanResultAndCosts() {
    MissionSummary summary =
        new MissionSummary(
            "ws-a",
            "m1",
            MissionStatus.PLANNING,
            null,
            1_000,
            0,
            0,
            0,
            0,
            0,
            null,
            null,
            null,
            0,
            null,
            1);

    ObjectNode row = MissionSummaryRows.encode(summary);

    assertThat(row.get("mission").asText()).isEmpty();
    assertThat(row.get("plan").asText()).isEmpty();
    assertThat(row.get("result").asText()).isEmpty();
    assertThat(row.get("agent_costs").asText()).isEmpty();
  }

  @Test
  void aMissionEvent_isARowOfMissionEvents_carryingTheEventAsItsJson() {
    MissionEvent event =
        new StepStarted("m1", "ws-a", 3, 1_764_100_000_999L, "RUNNING", "s1", "agent-scout", 2);

    ObjectNode row = MissionEventRows.encode(event);

    assertThat(fields(row)).containsExactlyInAnyOrderElementsOf(columns(MissionEventRows.TABLE));
    assertThat(row.get("seq").asLong()).isEqualTo(3);
    assertThat(row.get("ts").asLong()).isEqualTo(1_764_100_000L);
    assertThat(row.get("ts_ms").asLong()).isEqualTo(1_764_100_000_999L);
    assertThat(
            JsonCodec.of(MissionEvent.class)
                .decode(row.get("event").asText().getBytes(StandardCharsets.UTF_8)))
        .as("the API replays missions from this column")
        .isEqualTo(event);
  }

  @Test
  void costRowsInRowBinary_haveTheColumnsOfTheirTables_inTheOrderWritten_andEncodeEveryRecord()
      throws Exception {
    assertThat(CostRows.RAW.columns()).containsExactlyElementsOf(columns(CostRows.RAW_TABLE));
    assertThat(CostRows.ROLLUP.columns()).containsExactlyElementsOf(columns(CostRows.ROLLUP_TABLE));

    RowFormat.Batch<TaggedCost> raw = CostRows.RAW.newBatch();
    raw.add(
        new TaggedCost(
            new CostRecord(
                "ws-a",
                "m1",
                "s1",
                1,
                "agent-scout",
                "gemini-2.5-flash",
                true,
                new Usage(10, 20, 0, 0),
                42,
                "2026-12-01",
                1_000,
                1_500),
            true,
            false));
    raw.add(
        new TaggedCost(
            new CostRecord(
                "ws-a", "m1", "s2", 2, "agent-scout", null, false, null, 0, null, 2_000, 2_000),
            false,
            false));
    byte[] rows = raw.drain();
    // RowBinary: a string is its UTF-8 length, then its bytes; the first column is the record's id.
    assertThat(rows[0]).isEqualTo((byte) "m1/s1/1".length());
    assertThat(new String(rows, 1, 7, StandardCharsets.UTF_8)).isEqualTo("m1/s1/1");
    assertThat(new String(rows, StandardCharsets.ISO_8859_1)).contains("m1/s2/2");

    CostTotals totals = new CostTotals();
    totals.steps = 3;
    totals.costMicros = 99;
    RowFormat.Batch<CostRollup> rollup = CostRows.ROLLUP.newBatch();
    rollup.add(new CostRollup("ws-a", "agent-scout", "", 60_000, "", totals, 2));
    assertThat(rollup.drain()).startsWith((byte) 4, (byte) 'w', (byte) 's', (byte) '-', (byte) 'a');
  }

  @Test
  void anAuditEvent_isARowOfAuditEvents_neverWithNullText() {
    AuditEvent decrypt =
        new AuditEvent(
            "a1",
            "ws-a",
            1_764_100_000_500L,
            AuditEvent.SECRET_DECRYPT,
            "job",
            "job",
            "gemini",
            3,
            7,
            "abcd",
            AuditEvent.OK,
            null,
            "m1",
            "s1",
            2);
    AuditEvent control =
        AuditEvent.controlPlane("a2", "ws-a", 2_000, AuditEvent.KEY_CREATE, "alice", 4, "key:k_1");

    ObjectNode row = AuditEventRows.encode(decrypt);

    assertThat(fields(row)).containsExactlyInAnyOrderElementsOf(columns(AuditEventRows.TABLE));
    assertThat(row.get("at").asLong()).isEqualTo(1_764_100_000L);
    assertThat(row.get("at_ms").asLong()).isEqualTo(1_764_100_000_500L);
    assertThat(row.get("secret_name").asText()).isEqualTo("gemini");
    assertThat(row.get("mission_id").asText()).isEqualTo("m1");
    assertThat(row.get("attempt").asInt()).isEqualTo(2);
    assertThat(row.get("reason").asText()).isEmpty();
    assertThat(row.get("target").asText()).isEmpty();

    ObjectNode controlRow = AuditEventRows.encode(control);
    assertThat(controlRow.get("target").asText()).isEqualTo("key:k_1");
    assertThat(controlRow.get("secret_name").asText()).isEmpty();
    assertThat(controlRow.get("fingerprint").asText()).isEmpty();
    assertThat(controlRow.get("mission_id").asText()).isEmpty();
  }
}
