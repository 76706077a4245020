package dev.gpilot.api.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.clickhouse.PriceVersions;
import dev.gpilot.clickhouse.RollupLevels;
import dev.gpilot.testing.ClickHouseTestServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The coarser rollups on a real ClickHouse (SPEC.md section 8, "Coarser rollups"): after sealing,
 * whole days and hours are read from {@code cost_rollup_1d} / {@code cost_rollup_1h} and every
 * answer equals the sums over the minute rollups ({@code FINAL}) to the micro-credit, for aligned
 * and ragged ranges, filters and series; a row added to a sealed hour (a straggler, a re-fired
 * window) is counted at once (the hour is read from minutes until sealed again); a price version's
 * tables get their own levels.
 */
class RollupLevelsITCase {
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();
  private static final String COLS =
      "(workspace_id, window_start, agent, model, slice, steps, missions,"
          + " agent_missions, errors, prompt_tokens, output_tokens, thinking_tokens, cached_tokens, cost_micros,"
          + " latency_sum_ms, latency_max_ms, version)";
  private static final String[] AGENTS = {"agent-scout", "seo-analyst", "ui-auditor"};
  private static final String[] MODELS = {"flash", "pro"};

  static ClickHouseClient ch;
  static CostAnalytics analytics;

  /** Midnight UTC three days ago: days d0, d0+1 and d0+2 hold rows. */
  static long d0;

  @BeforeAll
  static void load() {
    ch = CLICKHOUSE.client();
    ClickHouseMigrations.apply(ch);
    analytics = new CostAnalytics(ch, Clock.systemUTC());
    d0 = (Instant.now().getEpochSecond() / 86_400 - 3) * 86_400;
    Random random = new Random(7);
    List<String> rows = new ArrayList<>();
    for (long minute = d0; minute < d0 + 3 * 86_400; minute += 60 * (1 + random.nextInt(7))) {
      for (String ws : new String[] {"default", "other"}) {
        String agent = AGENTS[random.nextInt(AGENTS.length)];
        String model = MODELS[random.nextInt(MODELS.length)];
        rows.add(row(ws, minute, agent, model, "", 1 + random.nextInt(900_000), 1));
        if (random.nextInt(10) == 0) { // a re-fired window: the higher version replaces the first
          rows.add(row(ws, minute, agent, model, "", 1 + random.nextInt(900_000), 2));
        }
        if (random.nextInt(20) == 0) { // a straggler's own row
          rows.add(row(ws, minute, agent, model, "late-" + minute, 1 + random.nextInt(900_000), 1));
        }
      }
    }
    for (int i = 0; i < rows.size(); i += 5_000) {
      ch.execute(
          "INSERT INTO cost_rollup_1m "
              + COLS
              + " VALUES "
              + String.join(", ", rows.subList(i, Math.min(rows.size(), i + 5_000))));
    }
  }

  static String row(
      String ws, long minute, String agent, String model, String slice, long cost, long version) {
    return "('"
        + ws
        + "', toDateTime("
        + minute
        + "), '"
        + agent
        + "', '"
        + model
        + "', '"
        + slice
        + "', 2, 1, 1, 0, "
        + (cost % 1000)
        + ", 10, 1, 0, "
        + cost
        + ", 40, 30, "
        + version
        + ")";
  }

  /**
   * The plan for the default workspace's costs in [from, to) (epoch seconds) from the live tables,
   * in days.
   */
  static RangePlan.Plan liveDayPlan(long from, long to) {
    return analytics.plan(
        new CostQuery(
            "default", Instant.ofEpochSecond(from), Instant.ofEpochSecond(to), null, null),
        RollupLevels.LIVE,
        RangePlan.DAY);
  }

  /** Σ cost per agent over the minute rollups (the highest version of each row) in [from, to). */
  static Map<String, Long> expected(String table, String ws, long from, long to, String model) {
    Map<String, Long> m = new TreeMap<>();
    for (JsonNode r :
        ch.query(
            "SELECT agent, sum(cost_micros) AS c FROM "
                + table
                + " FINAL WHERE workspace_id = '"
                + ws
                + "' AND window_start >= toDateTime("
                + from
                + ") AND window_start < toDateTime("
                + to
                + ")"
                + (model == null ? "" : " AND model = '" + model + "'")
                + " GROUP BY agent")) {
      m.put(r.get("agent").asText(), r.get("c").asLong());
    }
    return m;
  }

  static Map<String, Long> answered(
      String ws, long from, long to, String model, CostTables tables) {
    Map<String, Long> m = new TreeMap<>();
    CostQuery q =
        new CostQuery(ws, Instant.ofEpochSecond(from), Instant.ofEpochSecond(to), null, model);
    for (AgentCost c : analytics.agentCosts(q, null, tables)) {
      m.put(c.agent(), c.totalCostMicros());
    }
    return m;
  }

  static long[][] ranges() {
    return new long[][] {
      {d0, d0 + 3 * 86_400}, // whole days
      {
        d0 + 23 * 3600 - 300, d0 + 2 * 86_400 + 7200 + 600
      }, // ragged at both ends, a whole day inside
      {d0 + 3600, d0 + 5 * 3600}, // whole hours
      {d0 + 120, d0 + 1800}, // minutes only
      {d0 - 86_400, d0 + 4 * 86_400}, // beyond the rows on both sides
    };
  }

  @Test
  void afterSealing_wholeDaysAndHoursComeFromTheCoarseLevels_andEveryAnswerIsExact()
      throws Exception {
    analytics.sealNow(Duration.ZERO); // another test may have sealed them first
    assertThat(ch.query("SELECT count() AS n FROM cost_rollup_seals").get(0).get("n").asLong())
        .isGreaterThan(6);
    RangePlan.Plan plan = liveDayPlan(d0 + 23 * 3600 - 300, d0 + 2 * 86_400 + 7200 + 600);
    assertThat(plan.of(RangePlan.DAY))
        .containsExactly(new RangePlan.Segment(RangePlan.DAY, d0 + 86_400, d0 + 2 * 86_400));
    assertThat(plan.of(RangePlan.HOUR)).hasSize(2);
    assertThat(plan.of(RangePlan.MINUTE)).hasSize(2);
    assertThat(plan.stale()).isFalse();

    for (long[] r : ranges()) {
      for (String ws : new String[] {"default", "other"}) {
        assertThat(answered(ws, r[0], r[1], null, CostTables.LIVE))
            .as("%s %d..%d", ws, r[0], r[1])
            .isEqualTo(expected("cost_rollup_1m", ws, r[0], r[1], null));
        assertThat(answered(ws, r[0], r[1], "pro", CostTables.LIVE))
            .isEqualTo(expected("cost_rollup_1m", ws, r[0], r[1], "pro"));
      }
    }
    // series: every bucket equals its minutes
    for (CostAnalytics.Bucket bucket :
        new CostAnalytics.Bucket[] {CostAnalytics.Bucket.HOUR, CostAnalytics.Bucket.DAY}) {
      long from = d0 + 3600 - 120;
      long to = d0 + 3 * 86_400;
      Map<String, Long> series = new TreeMap<>();
      for (CostPoint p :
          analytics.costSeries(
              new CostQuery(
                  "default", Instant.ofEpochSecond(from), Instant.ofEpochSecond(to), null, null),
              bucket)) {
        series.merge(
            p.bucketStart() + " " + p.agent() + " " + p.model(), p.costMicros(), Long::sum);
      }
      Map<String, Long> minutes = new TreeMap<>();
      for (JsonNode r :
          ch.query(
              "SELECT toUInt32(intDiv(toUInt32(window_start), "
                  + bucket.seconds
                  + ") * "
                  + bucket.seconds
                  + ") AS b, agent, model, sum(cost_micros) AS c FROM cost_rollup_1m FINAL"
                  + " WHERE workspace_id = 'default' AND window_start >= toDateTime("
                  + from
                  + ") AND window_start <"
                  + " toDateTime("
                  + to
                  + ") GROUP BY b, agent, model")) {
        minutes.put(
            Instant.ofEpochSecond(r.get("b").asLong())
                + " "
                + r.get("agent").asText()
                + " "
                + r.get("model").asText(),
            r.get("c").asLong());
      }
      assertThat(series).as(bucket.name).isEqualTo(minutes);
    }
  }

  @Test
  void aRowAddedToASealedHour_isCountedAtOnce_andTheHourIsSealedAgain() throws Exception {
    analytics.sealNow(Duration.ZERO);
    Thread.sleep(
        1_100); // a touch is stamped to the second: the next one is later than the one sealed
    long hour = d0 + 86_400 + 5 * 3600;
    ch.execute(
        "INSERT INTO cost_rollup_1m "
            + COLS
            + " VALUES "
            + row("default", hour + 600, "agent-scout", "flash", "straggler-1", 123_457, 1)
            + ", "
            + row("default", hour + 1200, "seo-analyst", "pro", "", 99, 1_000_000));
    long[] whole = {d0, d0 + 3 * 86_400};

    RangePlan.Plan plan = liveDayPlan(whole[0], whole[1]);
    assertThat(plan.of(RangePlan.MINUTE))
        .containsExactly(new RangePlan.Segment(RangePlan.MINUTE, hour, hour + 3600));
    assertThat(plan.stale()).isTrue();
    assertThat(answered("default", whole[0], whole[1], null, CostTables.LIVE))
        .isEqualTo(expected("cost_rollup_1m", "default", whole[0], whole[1], null));

    assertThat(analytics.sealNow(Duration.ZERO)).isEqualTo(2); // the hour and its day
    RangePlan.Plan again = liveDayPlan(whole[0], whole[1]);
    assertThat(again.of(RangePlan.MINUTE)).isEmpty();
    assertThat(again.of(RangePlan.DAY))
        .containsExactly(new RangePlan.Segment(RangePlan.DAY, whole[0], whole[1]));
    for (long[] r : ranges()) {
      assertThat(answered("default", r[0], r[1], null, CostTables.LIVE))
          .isEqualTo(expected("cost_rollup_1m", "default", r[0], r[1], null));
    }
  }

  @Test
  void aPriceVersion_hasLevelsOfItsOwn_alsoWhenAnOlderReplayWroteItBeforeThem() {
    String version = "levels-test";
    String rollup = PriceVersions.rollupTable(version);
    // an older replay: its tables without the levels, rows in them already
    ch.execute("CREATE TABLE " + PriceVersions.rawTable(version) + " AS cost_records");
    ch.execute("CREATE TABLE " + rollup + " AS cost_rollup_1m");
    ch.execute(
        "INSERT INTO "
            + rollup
            + " "
            + COLS
            + " SELECT workspace_id, window_start, agent, model, slice,"
            + " steps, missions, agent_missions, errors, prompt_tokens, output_tokens, thinking_tokens, cached_tokens,"
            + " cost_micros * 2, latency_sum_ms, latency_max_ms, version FROM cost_rollup_1m");
    PriceVersions.record(
        ch, version, "{}", d0 * 1000, (d0 + 3 * 86_400) * 1000, 1, System.currentTimeMillis());

    CostTables tables = analytics.tables(version); // creates its levels and touches its hours
    assertThat(analytics.sealNow(Duration.ZERO)).isGreaterThan(0);
    RollupLevels levels = tables.levels();
    assertThat(ch.query("SELECT count() AS n FROM " + levels.day()).get(0).get("n").asLong())
        .isGreaterThan(0);
    for (long[] r : ranges()) {
      assertThat(answered("default", r[0], r[1], null, tables))
          .isEqualTo(expected(rollup, "default", r[0], r[1], null));
    }
  }
}
