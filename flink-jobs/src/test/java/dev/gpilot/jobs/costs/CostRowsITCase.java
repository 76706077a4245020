package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseException;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.jobs.sink.clickhouse.RowBinaryFormat;
import dev.gpilot.jobs.sink.clickhouse.RowFormat;
import dev.gpilot.testing.ClickHouseTestServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The cost tables' rows as the sink writes them ({@code RowBinary}), read back from the real
 * ClickHouse tables of migration V006: every column holds what the record holds, texts that JSON or
 * TSV would escape included.
 */
class CostRowsITCase {
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static ClickHouseClient ch;

  @BeforeAll
  static void migrate() {
    ch = CLICKHOUSE.client();
    ClickHouseMigrations.apply(ch);
  }

  @Test
  void rawRows_holdEveryFieldOfTheRecord_awkwardTextsAndExtremesIncluded() throws Exception {
    CostRecord awkward =
        new CostRecord(
            "ws\t\"tab\"",
            "m-1\nnewline\\",
            "stép-ü-🙂",
            Integer.MAX_VALUE,
            "a".repeat(200),
            "gemini-2.5-pro",
            false,
            new Usage(Long.MAX_VALUE / 2, 0, 7, 1),
            Long.MAX_VALUE,
            "2026-11/pro",
            0,
            CostRecord.MAX_EPOCH_MS);
    CostRecord plain =
        new CostRecord(
            "default",
            "m-2",
            "s1",
            1,
            "",
            null,
            true,
            null,
            0,
            null,
            1_764_100_000_000L,
            1_764_100_001_250L);
    insert(
        CostRows.RAW_TABLE,
        CostRows.RAW,
        List.of(new TaggedCost(awkward, true, false), new TaggedCost(plain, false, true)));

    JsonNode a = row("SELECT * FROM cost_records WHERE mission_id = 'm-1\\nnewline\\\\'");
    assertThat(a.get("id").asText()).isEqualTo(awkward.id());
    assertThat(a.get("workspace_id").asText()).isEqualTo("ws\t\"tab\"");
    assertThat(a.get("step_id").asText()).isEqualTo("stép-ü-🙂");
    assertThat(a.get("attempt").asLong()).isEqualTo(Integer.MAX_VALUE);
    assertThat(a.get("agent").asText()).isEqualTo("a".repeat(200));
    assertThat(a.get("model").asText()).isEqualTo("gemini-2.5-pro");
    assertThat(a.get("succeeded").asInt()).isZero();
    assertThat(a.get("prompt_tokens").asLong()).isEqualTo(Long.MAX_VALUE / 2);
    assertThat(a.get("output_tokens").asLong()).isZero();
    assertThat(a.get("thinking_tokens").asLong()).isEqualTo(7);
    assertThat(a.get("cached_tokens").asLong()).isEqualTo(1);
    assertThat(a.get("cost_micros").asLong()).isEqualTo(Long.MAX_VALUE);
    assertThat(a.get("price_version").asText()).isEqualTo("2026-11/pro");
    assertThat(a.get("started_at_ms").asLong()).isZero();
    assertThat(a.get("finished_at_ms").asLong()).isEqualTo(CostRecord.MAX_EPOCH_MS);
    assertThat(one("SELECT toUInt32(finished_at) FROM cost_records WHERE attempt > 1"))
        .isEqualTo(0xFFFF_FFFFL);
    assertThat(a.get("latency_ms").asLong()).isEqualTo(CostRecord.MAX_EPOCH_MS);
    assertThat(a.get("new_mission").asInt()).isEqualTo(1);
    assertThat(a.get("new_agent_mission").asInt()).isZero();

    JsonNode p =
        row(
            "SELECT *, toUInt32(finished_at) AS finished_s FROM cost_records WHERE mission_id = 'm-2'");
    assertThat(p.get("id").asText()).isEqualTo("m-2/s1/1");
    assertThat(p.get("agent").asText()).isEmpty();
    assertThat(p.get("model").asText()).isEmpty();
    assertThat(p.get("price_version").asText()).isEmpty();
    assertThat(p.get("succeeded").asInt()).isEqualTo(1);
    assertThat(p.get("finished_s").asLong()).isEqualTo(1_764_100_001L);
    assertThat(p.get("latency_ms").asLong()).isEqualTo(1_250);
    assertThat(p.get("new_mission").asInt()).isZero();
    assertThat(p.get("new_agent_mission").asInt()).isEqualTo(1);
  }

  @Test
  void rollupRows_holdEveryTotalOfTheWindow() throws Exception {
    CostTotals t = new CostTotals();
    t.steps = 5;
    t.missions = 2;
    t.agentMissions = 3;
    t.errors = 1;
    t.promptTokens = 10_000_000_000L;
    t.outputTokens = 20;
    t.thinkingTokens = 30;
    t.cachedTokens = 40;
    t.costMicros = 123_456_789_012L;
    t.latencySumMs = 5_000;
    t.latencyMaxMs = 1_500;
    insert(
        CostRows.ROLLUP_TABLE,
        CostRows.ROLLUP,
        List.of(
            new CostRollup(
                "ws-r", "seo-analyst", "gemini-2.5-flash", 1_764_100_020_000L, "", t, 7)));

    JsonNode r =
        row(
            "SELECT *, toUInt32(window_start) AS start_s FROM cost_rollup_1m WHERE workspace_id = 'ws-r'");
    assertThat(r.get("start_s").asLong()).isEqualTo(1_764_100_020L);
    assertThat(r.get("agent").asText()).isEqualTo("seo-analyst");
    assertThat(r.get("model").asText()).isEqualTo("gemini-2.5-flash");
    assertThat(r.get("slice").asText()).isEmpty();
    assertThat(
            List.of(
                    "steps",
                    "missions",
                    "agent_missions",
                    "errors",
                    "prompt_tokens",
                    "output_tokens",
                    "thinking_tokens",
                    "cached_tokens",
                    "cost_micros",
                    "latency_sum_ms",
                    "latency_max_ms",
                    "version")
                .stream()
                .map(c -> r.get(c).asLong())
                .toList())
        .containsExactly(
            5L, 2L, 3L, 1L, 10_000_000_000L, 20L, 30L, 40L, 123_456_789_012L, 5_000L, 1_500L, 7L);
  }

  @Test
  void aTableWhoseColumnsDoNotMatchTheFormat_isRefusedBeforeAnyRowIsWritten() {
    String database =
        "test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12) + "_changed";
    ClickHouseClient server = new ClickHouseClient(CLICKHOUSE.url(), null, Duration.ofSeconds(30));
    server.execute("CREATE DATABASE " + database);
    try {
      ClickHouseClient changed =
          new ClickHouseClient(CLICKHOUSE.url(), database, Duration.ofSeconds(30));
      changed.execute(
          "CREATE TABLE cost_rollup_1m (workspace_id String, window_start DateTime, agent String,"
              + " model String, slice String, steps UInt32, version UInt64) ENGINE = Memory");

      assertThatThrownBy(() -> CostRows.ROLLUP.check(changed, CostRows.ROLLUP_TABLE))
          .isInstanceOf(ClickHouseException.class)
          .hasMessageContaining("steps is UInt32, written as UInt64")
          .hasMessageContaining("cost_micros is missing")
          .satisfies(e -> assertThat(((ClickHouseException) e).retriable()).isFalse());
      CostRows.ROLLUP.check(ch, CostRows.ROLLUP_TABLE); // the migrated table takes them
      CostRows.RAW.check(ch, CostRows.RAW_TABLE);
    } finally {
      server.execute("DROP DATABASE IF EXISTS " + database);
    }
  }

  private static <T> void insert(String table, RowBinaryFormat<T> format, List<T> rows)
      throws Exception {
    RowFormat.Batch<T> batch = format.newBatch();
    for (T row : rows) {
      batch.add(row);
    }
    ch.insert(table, format.columns(), format.name(), batch.drain());
  }

  private static JsonNode row(String sql) {
    List<JsonNode> rows = ch.query(sql);
    assertThat(rows).hasSize(1);
    return rows.get(0);
  }

  private static long one(String sql) {
    return row(sql).fields().next().getValue().asLong();
  }
}
