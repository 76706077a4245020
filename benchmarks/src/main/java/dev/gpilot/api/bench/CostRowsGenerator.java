package dev.gpilot.api.bench;

import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.PriceVersions;
import java.util.Locale;

/**
 * Fills a ClickHouse database with cost rows for the analytics and console benchmarks: {@code
 * rawRows} raw rows of one workspace spread evenly over 30 days up to {@code end} (7 agents, 3
 * models, 5-step missions, every id once), the 1-minute rollups the windows would write for them
 * (one version per window; every raw row is in a rollup), and a price version {@value #VERSION}
 * whose rows are the live ones re-priced at 110 %, rounded half up.
 */
final class CostRowsGenerator {
  static final String[] AGENTS = {
    "agent-scout",
    "content-orchestrator",
    "seo-analyst",
    "independent-verifier",
    "ui-auditor",
    "genesis-architect",
    "mission-overseer"
  };
  static final String[] MODELS = {"gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite"};
  static final String VERSION = "bench+110pct";
  static final long SPAN = 30L * 86_400;
  private static final String RAW_COLUMNS =
      "(id, workspace_id, mission_id, step_id, attempt, agent, model, succeeded,"
          + " prompt_tokens, output_tokens, thinking_tokens, cached_tokens, cost_micros, price_version, started_at_ms,"
          + " finished_at_ms, finished_at, latency_ms, new_mission, new_agent_mission)";
  private static final String ROLLUP_COLUMNS =
      "(workspace_id, window_start, agent, model, slice, steps, missions,"
          + " agent_missions, errors, prompt_tokens, output_tokens, thinking_tokens, cached_tokens, cost_micros,"
          + " latency_sum_ms, latency_max_ms, version)";

  private CostRowsGenerator() {}

  /**
   * Raw rows over {@code [end - 30 days, end)} in workspace {@code workspace}, then their rollups.
   */
  static void load(ClickHouseClient ch, String workspace, long rawRows, long end) {
    long start = end - SPAN;
    ch.execute(
        "INSERT INTO cost_records "
            + RAW_COLUMNS
            + " SELECT concat(m, '/s', toString(number % 5), '/1'), "
            + ClickHouseClient.literal(workspace)
            + ", m,"
            + " concat('s', toString(number % 5)), 1,"
            + " arrayElement(['"
            + String.join("','", AGENTS)
            + "'], (number % "
            + AGENTS.length
            + ") + 1),"
            + " arrayElement(['"
            + String.join("','", MODELS)
            + "'], (intDiv(number, 7) % 3) + 1),"
            + " number % 17 != 0, 1000 + number % 500, 200 + number % 100, number % 50, number % 300,"
            + " 100 + (number * 7919) % 90000, 'bench/1', ts * 1000 - 800, ts * 1000, toDateTime(ts), 800,"
            + " number % 5 = 0, number % 5 = 0"
            + " FROM (SELECT number, concat('m-', toString(intDiv(number, 5))) AS m,"
            + " toUInt64("
            + start
            + " + intDiv(number * "
            + SPAN
            + ", "
            + rawRows
            + ")) AS ts"
            + " FROM system.numbers LIMIT "
            + rawRows
            + ")");
    rollup(ch, "cost_records", "cost_rollup_1m");
  }

  /**
   * What the windows write for the raw rows of {@code raw}: one row per (workspace, minute, agent,
   * model).
   */
  static void rollup(ClickHouseClient ch, String raw, String rollup) {
    ch.execute(
        "INSERT INTO "
            + rollup
            + " "
            + ROLLUP_COLUMNS
            + " SELECT workspace_id, toStartOfMinute(finished_at) AS w, agent, model, '', count(), sum(new_mission),"
            + " sum(new_agent_mission), countIf(succeeded = 0), sum(prompt_tokens), sum(output_tokens),"
            + " sum(thinking_tokens), sum(cached_tokens), sum(cost_micros), sum(latency_ms), max(latency_ms), count()"
            + " FROM "
            + raw
            + " GROUP BY workspace_id, w, agent, model");
  }

  /**
   * The price version {@link #VERSION}: the live raw rows at 110 % and their rollups, recorded as a
   * replay does.
   */
  static void priceVersion(ClickHouseClient ch, long fromMs, long toMs, long records) {
    PriceVersions.createTables(ch, VERSION);
    String raw = PriceVersions.rawTable(VERSION);
    ch.execute(
        "INSERT INTO "
            + raw
            + " "
            + RAW_COLUMNS
            + " SELECT id, workspace_id, mission_id, step_id, attempt,"
            + " agent, model, succeeded, prompt_tokens, output_tokens, thinking_tokens, cached_tokens,"
            + " intDiv(cost_micros * 11 + 5, 10), "
            + ClickHouseClient.literal(VERSION)
            + ", started_at_ms, finished_at_ms,"
            + " finished_at, latency_ms, new_mission, new_agent_mission FROM cost_records");
    rollup(ch, raw, PriceVersions.rollupTable(VERSION));
    PriceVersions.record(
        ch, VERSION, "{\"bench\": \"110 %\"}", fromMs, toMs, records, System.currentTimeMillis());
  }

  /**
   * Waits (up to 5 minutes) until the server runs no merge in the database: a table in service has
   * merged parts.
   */
  static double settle(ClickHouseClient ch) throws InterruptedException {
    long start = System.nanoTime();
    int quiet = 0;
    while (quiet < 3 && System.nanoTime() - start < 300_000_000_000L) {
      Thread.sleep(1000);
      quiet =
          one(ch, "SELECT count() FROM system.merges WHERE database = '" + ch.database() + "'") == 0
              ? quiet + 1
              : 0;
    }
    return (System.nanoTime() - start) / 1e9;
  }

  static long one(ClickHouseClient ch, String sql) {
    return ch.query(sql).get(0).fields().next().getValue().asLong();
  }

  /** The machine's load averages (1, 5, 15 minutes), from /proc/loadavg. */
  static String loadAverage() {
    try {
      String[] f =
          java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return String.format(Locale.ROOT, "[%s, %s, %s]", f[0], f[1], f[2]);
    } catch (java.io.IOException e) {
      return "null";
    }
  }
}
