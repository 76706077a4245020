package dev.gpilot.api.analytics;

import static dev.gpilot.clickhouse.ClickHouseClient.literal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.http.ClickHouseReads;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseException;
import dev.gpilot.clickhouse.PriceVersions;
import dev.gpilot.clickhouse.RollupLevels;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.json.Json;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answers the cost analytics from ClickHouse (SPEC.md section 8), for one workspace at a time.
 *
 * <p>Read path: whole UTC days and hours whose seal covers their newest touch come from {@code
 * cost_rollup_1d} and {@code cost_rollup_1h} ({@link RangePlan}, {@link RollupSealer}); every other
 * minute from {@code cost_rollup_1m}, all read with {@code FINAL} (the highest version of each row:
 * small tables, one row per window and key), never {@code FINAL} over raw rows. Minutes the windows
 * have not written yet (the current one, and the last one for up to the watermark delay) come from
 * {@code cost_records}, deduplicated by id, only for (agent, model, minute) that have no rollup row
 * and only within the last {@link #RAW_HORIZON}: a small range, so the newest costs show within
 * seconds. The same SQL runs on ClickHouse 18.16 and a current ClickHouse.
 */
public final class CostAnalytics {

  /** How far back raw rows stand in for rollups not written yet. */
  static final Duration RAW_HORIZON = Duration.ofMinutes(5);

  /** The name of the row that folds the agents after the top N. */
  public static final String OTHER = "(other)";

  /** At most this many buckets per series request. */
  static final long MAX_BUCKETS = 20_000;

  /**
   * Ranges longer than this read their rollups in as many streams as the server has threads per
   * query.
   */
  static final Duration SPLIT_ABOVE = Duration.ofHours(6);

  /** At most this many streams for one rollup read. */
  static final int MAX_FINAL_STREAMS = 16;

  /**
   * At most this many separate minute key ranges in one read (the gaps between more are read from
   * minutes).
   */
  static final int MAX_MINUTE_SEGMENTS = 48;

  private final ClickHouseClient client;
  private final ClickHouseReads reads;
  private final Clock clock;
  private volatile RollupSealer sealer;
  private volatile int finalStreams;

  public CostAnalytics(ClickHouseClient client, Clock clock) {
    this.client = client;
    this.reads = new ClickHouseReads(client, "analytics");
    this.clock = clock;
  }

  /**
   * Starts sealing the coarser rollups in the background every {@code period} (and soon after a
   * read found an hour to seal); {@link Duration#ZERO} seals only when {@link #sealNow()} is
   * called.
   */
  public CostAnalytics startSealer(Duration period) {
    RollupSealer s = new RollupSealer(client, this::sealedSets, period);
    sealer = s;
    s.start();
    return this;
  }

  /**
   * Seals every window that can be sealed now, in the live tables and every price version's; the
   * windows sealed.
   */
  public int sealNow() {
    RollupSealer s = sealer;
    return (s != null ? s : new RollupSealer(client, this::sealedSets, Duration.ZERO)).sealAll();
  }

  /**
   * {@link #sealNow()} sealing windows untouched for {@code quiet} (tests: no need to wait a
   * minute).
   */
  int sealNow(Duration quiet) {
    return new RollupSealer(client, this::sealedSets, Duration.ZERO, quiet).sealAll();
  }

  /** Stops the background sealer. */
  public void close() {
    RollupSealer s = sealer;
    if (s != null) {
      s.close();
    }
  }

  /**
   * The rollup sets to seal: the live one and each price version's (created when an older replay
   * lacks them).
   */
  private List<RollupLevels> sealedSets() {
    reads.ensureMigrated();
    List<RollupLevels> sets = new ArrayList<>();
    sets.add(RollupLevels.LIVE);
    for (PriceVersions.Entry e : PriceVersions.list(client)) {
      sets.add(versionLevels(e.rollupTable()));
    }
    return sets;
  }

  private final java.util.Set<String> versionsReady =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A version's levels, its coarse tables and view created first when a replay before them wrote
   * it.
   */
  private RollupLevels versionLevels(String rollupTable) {
    RollupLevels levels = RollupLevels.of(rollupTable);
    if (!versionsReady.contains(rollupTable)) {
      if (levels.create(client)) {
        levels.touchAll(client);
      }
      versionsReady.add(rollupTable);
    }
    return levels;
  }

  /** Buckets of the cost series. */
  public enum Bucket {
    MINUTE("1m", 60),
    HOUR("1h", 3_600),
    DAY("1d", 86_400);

    final String name;
    final long seconds;

    Bucket(String name, long seconds) {
      this.name = name;
      this.seconds = seconds;
    }

    /**
     * @throws ApiException 400 for anything but 1m, 1h, 1d
     */
    public static Bucket parse(String value) {
      if (value == null || value.isBlank()) {
        return HOUR;
      }
      for (Bucket b : values()) {
        if (b.name.equals(value.strip())) {
          return b;
        }
      }
      throw ApiException.badRequest("'bucket' must be 1m, 1h or 1d, got '" + value + "'");
    }
  }

  /**
   * Cost per agent over the range, highest first; with {@code top}, the agents after the first
   * {@code top} are folded into one row named {@value #OTHER}, so the rows always add up to the
   * whole.
   */
  public List<AgentCost> agentCosts(CostQuery q, Integer top) {
    return agentCosts(q, top, CostTables.LIVE);
  }

  /** {@link #agentCosts(CostQuery, Integer)} from the tables of a price version. */
  public List<AgentCost> agentCosts(CostQuery q, Integer top, CostTables tables) {
    // With a model filter, a mission counts once per (agent, model); without, once per agent.
    String missions = q.model() == null ? "v_agent_missions" : "v_missions";
    String sql =
        "SELECT v_agent AS agent, sum(v_cost) AS cost, sum(v_steps) AS steps, sum("
            + missions
            + ") AS missions, sum(v_prompt) AS prompt, sum(v_output) AS output, sum(v_thinking) AS thinking,"
            + " sum(v_cached) AS cached FROM ("
            + minutes(q, tables, RangePlan.DAY)
            + ") GROUP BY v_agent ORDER BY cost DESC, agent";
    List<AgentCost> rows = new ArrayList<>();
    for (JsonNode r : reads.queryOrEmpty(sql)) {
      rows.add(
          new AgentCost(
              r.get("agent").asText(),
              r.get("cost").asLong(),
              null,
              r.get("steps").asLong(),
              r.get("missions").asLong(),
              r.get("prompt").asLong(),
              r.get("output").asLong(),
              r.get("thinking").asLong(),
              r.get("cached").asLong()));
    }
    if (top != null && rows.size() > top) {
      AgentCost other = rows.get(top);
      for (AgentCost r : rows.subList(top + 1, rows.size())) {
        other = other.plus(r, OTHER);
      }
      List<AgentCost> kept = new ArrayList<>(rows.subList(0, top));
      kept.add(
          new AgentCost(
              OTHER,
              other.totalCostMicros(),
              null,
              other.steps(),
              other.missions(),
              other.promptTokens(),
              other.outputTokens(),
              other.thinkingTokens(),
              other.cachedTokens()));
      rows = kept;
    }
    List<BigDecimal> shares =
        Percentages.of(rows.stream().map(AgentCost::totalCostMicros).toList());
    List<AgentCost> result = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      result.add(rows.get(i).withPercentage(shares.get(i)));
    }
    return result;
  }

  /**
   * The workspace's usage over a UTC month by (agent, model), by agent then model: the same rows,
   * read the same way, as {@link #agentCosts} over the month, so the totals agree to the
   * micro-credit.
   */
  public MonthlyUsage usage(String workspaceId, java.time.YearMonth month) {
    Instant from = MonthlyUsage.start(month);
    Instant to = MonthlyUsage.start(month.plusMonths(1));
    CostQuery q = new CostQuery(workspaceId, from, to, null, null);
    String sql =
        "SELECT v_agent AS agent, v_model AS model, sum(v_steps) AS attempts, sum(v_prompt) AS input,"
            + " sum(v_output) AS output, sum(v_cost) AS cost FROM ("
            + minutes(q, CostTables.LIVE, RangePlan.DAY)
            + ")"
            + " GROUP BY v_agent, v_model ORDER BY agent, model";
    List<UsageLine> lines = new ArrayList<>();
    long total = 0;
    for (JsonNode r : reads.queryOrEmpty(sql)) {
      UsageLine line =
          new UsageLine(
              r.get("agent").asText(),
              r.get("model").asText(),
              r.get("attempts").asLong(),
              r.get("input").asLong(),
              r.get("output").asLong(),
              r.get("cost").asLong());
      total = Math.addExact(total, line.costMicros());
      lines.add(line);
    }
    return new MonthlyUsage(workspaceId, month.toString(), from, to, lines, total);
  }

  /** Cost per (bucket, agent, model) over the range, by bucket, then agent and model. */
  public List<CostPoint> costSeries(CostQuery q, Bucket bucket) {
    return costSeries(q, bucket, CostTables.LIVE);
  }

  /** {@link #costSeries(CostQuery, Bucket)} from the tables of a price version. */
  public List<CostPoint> costSeries(CostQuery q, Bucket bucket, CostTables tables) {
    long buckets =
        (q.to().getEpochSecond() - q.from().getEpochSecond() + bucket.seconds - 1) / bucket.seconds;
    if (buckets > MAX_BUCKETS) {
      throw ApiException.badRequest(
          "the range has "
              + buckets
              + " buckets of "
              + bucket.name
              + ", more than "
              + MAX_BUCKETS
              + ": use a larger bucket or a shorter range");
    }
    String sql =
        "SELECT intDiv(toUInt32(v_window), "
            + bucket.seconds
            + ") * "
            + bucket.seconds
            + " AS bucket,"
            + " v_agent AS agent, v_model AS model, sum(v_cost) AS cost, sum(v_steps) AS steps,"
            + " sum(v_missions) AS missions, sum(v_errors) AS errors, sum(v_prompt) AS prompt, sum(v_output) AS output,"
            + " sum(v_thinking) AS thinking, sum(v_cached) AS cached, sum(v_latency_sum) AS latency_sum,"
            + " max(v_latency_max) AS latency_max FROM ("
            + minutes(q, tables, bucket.seconds)
            + ")"
            + " GROUP BY bucket, v_agent, v_model ORDER BY bucket, agent, model";
    List<CostPoint> points = new ArrayList<>();
    for (JsonNode r : reads.queryOrEmpty(sql)) {
      points.add(
          new CostPoint(
              Instant.ofEpochSecond(r.get("bucket").asLong()).toString(),
              r.get("agent").asText(),
              r.get("model").asText(),
              r.get("cost").asLong(),
              r.get("steps").asLong(),
              r.get("missions").asLong(),
              r.get("errors").asLong(),
              r.get("prompt").asLong(),
              r.get("output").asLong(),
              r.get("thinking").asLong(),
              r.get("cached").asLong(),
              r.get("latency_sum").asLong(),
              r.get("latency_max").asLong()));
    }
    return points;
  }

  /**
   * One row per (agent, model, window, slice) in the range, columns {@code v_*}: for whole UTC days
   * and hours whose seal is current, the row of {@code cost_rollup_1d} / {@code cost_rollup_1h}
   * (levels no coarser than {@code maxLevel}); for the other minutes the minute rollups' highest
   * version of each; plus, for recent minutes without a rollup row yet, the raw rows deduplicated
   * by id.
   */
  String minutes(CostQuery q) {
    return minutes(q, CostTables.LIVE, RangePlan.DAY);
  }

  String minutes(CostQuery q, CostTables tables, long maxLevel) {
    long from = q.from().getEpochSecond();
    long to = q.to().getEpochSecond();
    String filters =
        (q.agent() == null ? "" : " AND agent = " + literal(q.agent()))
            + (q.model() == null ? "" : " AND model = " + literal(q.model()));
    String ws = "workspace_id = " + literal(q.workspaceId());
    RollupLevels levels = tables.levels();
    RangePlan.Plan plan = plan(q, levels, maxLevel);
    if (plan.stale() && sealer != null) {
      sealer.requestSoon();
    }
    List<String> selects = new ArrayList<>();
    // FINAL on the rollups (one row per window and key, not per attempt) keeps each row's highest
    // version, faster
    // than argMax(..., version) grouped by the key on 18.16. ClickHouse 18.16 reads a FINAL in one
    // stream; the window
    // is part of the key, so minute segments split in time read the same rows with one stream per
    // server thread.
    for (long level : new long[] {RangePlan.DAY, RangePlan.HOUR}) {
      List<RangePlan.Segment> coarse = plan.of(level);
      if (!coarse.isEmpty()) {
        selects.add(
            rollupSelect(
                level == RangePlan.DAY ? levels.day() : levels.hour(), ws, coarse, filters));
      }
    }
    List<RangePlan.Segment> fine = plan.of(RangePlan.MINUTE);
    long span = fine.stream().mapToLong(f -> f.to() - f.from()).sum();
    for (List<RangePlan.Segment> group :
        groups(fine, span > SPLIT_ABOVE.toSeconds() ? finalStreams() : 1)) {
      selects.add(rollupSelect(levels.minute(), ws, group, filters));
    }
    StringBuilder sql = new StringBuilder(String.join(" UNION ALL ", selects));
    long now = CostQuery.floorMinute(clock.instant()).getEpochSecond();
    long rawFrom = Math.max(from, now - RAW_HORIZON.toSeconds());
    if (rawFrom < to) {
      if (sql.length() > 0) {
        sql.append(" UNION ALL ");
      }
      sql.append(
              "SELECT r_agent AS v_agent, r_model AS v_model, toStartOfMinute(r_finished_at) AS v_window,")
          .append(" sum(r_cost) AS v_cost, count() AS v_steps, sum(r_new_mission) AS v_missions,")
          .append(
              " sum(r_new_agent_mission) AS v_agent_missions, countIf(r_succeeded = 0) AS v_errors,")
          .append(
              " sum(r_prompt) AS v_prompt, sum(r_output) AS v_output, sum(r_thinking) AS v_thinking,")
          .append(
              " sum(r_cached) AS v_cached, sum(r_latency) AS v_latency_sum, max(r_latency) AS v_latency_max")
          .append(
              " FROM (SELECT any(agent) AS r_agent, any(model) AS r_model, any(finished_at) AS r_finished_at,")
          .append(" any(cost_micros) AS r_cost, any(new_mission) AS r_new_mission,")
          .append(" any(new_agent_mission) AS r_new_agent_mission, any(succeeded) AS r_succeeded,")
          .append(" any(prompt_tokens) AS r_prompt, any(output_tokens) AS r_output,")
          .append(
              " any(thinking_tokens) AS r_thinking, any(cached_tokens) AS r_cached, any(latency_ms) AS r_latency")
          .append(" FROM ")
          .append(tables.raw())
          .append(" WHERE ")
          .append(ws)
          .append(" AND finished_at >= toDateTime(")
          .append(rawFrom)
          .append(") AND finished_at < toDateTime(")
          .append(to)
          .append(")")
          .append(filters)
          .append(" GROUP BY id)")
          .append(
              " WHERE (r_agent, r_model, toStartOfMinute(r_finished_at)) NOT IN (SELECT agent, model, window_start")
          .append(" FROM ")
          .append(tables.rollup())
          .append(" WHERE ")
          .append(ws)
          .append(" AND window_start >= toDateTime(")
          .append(rawFrom)
          .append(") AND window_start < toDateTime(")
          .append(to)
          .append("))")
          .append(" GROUP BY r_agent, r_model, toStartOfMinute(r_finished_at)");
    }
    return sql.toString();
  }

  private static String rollupSelect(
      String table, String ws, List<RangePlan.Segment> segments, String filters) {
    StringBuilder sql =
        new StringBuilder("SELECT agent AS v_agent, model AS v_model, window_start AS v_window,")
            .append(
                " cost_micros AS v_cost, steps AS v_steps, missions AS v_missions, agent_missions AS v_agent_missions,")
            .append(" errors AS v_errors, prompt_tokens AS v_prompt, output_tokens AS v_output,")
            .append(
                " thinking_tokens AS v_thinking, cached_tokens AS v_cached, latency_sum_ms AS v_latency_sum,")
            .append(" latency_max_ms AS v_latency_max FROM ")
            .append(table)
            .append(" FINAL WHERE ")
            .append(ws)
            .append(" AND (");
    for (int i = 0; i < segments.size(); i++) {
      RangePlan.Segment s = segments.get(i);
      sql.append(i == 0 ? "" : " OR ")
          .append("(window_start >= toDateTime(")
          .append(s.from())
          .append(") AND window_start < toDateTime(")
          .append(s.to())
          .append("))");
    }
    return sql.append(")").append(filters).toString();
  }

  /**
   * Which level reads which part of the query's range: the seals and touches of the days around it
   * (one small query), when the range holds a whole hour and a coarser level is allowed.
   */
  RangePlan.Plan plan(CostQuery q, RollupLevels levels, long maxLevel) {
    long from = q.from().getEpochSecond();
    long to = q.to().getEpochSecond();
    Map<Long, Long> touched = new HashMap<>();
    Map<Long, Map<Long, Long>> seals = new HashMap<>();
    long firstHour = Math.floorDiv(from + RangePlan.HOUR - 1, RangePlan.HOUR) * RangePlan.HOUR;
    if (maxLevel > RangePlan.MINUTE && firstHour + RangePlan.HOUR <= to) {
      long a = Math.floorDiv(from, RangePlan.DAY) * RangePlan.DAY;
      long b =
          Math.min(
              Math.floorDiv(to + RangePlan.DAY - 1, RangePlan.DAY) * RangePlan.DAY,
              CostQuery.LAST.getEpochSecond());
      String ws = "workspace_id = " + literal(q.workspaceId());
      String range = " >= toDateTime(" + a + ") AND ";
      for (JsonNode r :
          reads.queryOrEmpty(
              "SELECT toUInt32(0) AS level, toUInt32(hour) AS w, toUInt32(max(touched_at)) AS t FROM "
                  + levels.touched()
                  + " WHERE "
                  + ws
                  + " AND hour"
                  + range
                  + "hour < toDateTime("
                  + b
                  + ") GROUP BY hour"
                  + " UNION ALL SELECT toUInt32(level) AS level, toUInt32(window_start) AS w, toUInt32(touched_at) AS t FROM "
                  + levels.seals()
                  + " FINAL WHERE "
                  + ws
                  + " AND window_start"
                  + range
                  + "window_start < toDateTime("
                  + b
                  + ")")) {
        long level = r.get("level").asLong();
        if (level == 0) {
          touched.put(r.get("w").asLong(), r.get("t").asLong());
        } else {
          seals
              .computeIfAbsent(level, k -> new HashMap<>())
              .put(r.get("w").asLong(), r.get("t").asLong());
        }
      }
    }
    return RangePlan.plan(from, to, maxLevel, touched, seals, MAX_MINUTE_SEGMENTS);
  }

  /**
   * Minute segments in {@code n} groups of about the same span, cut at whole minutes (a group is
   * one {@code FINAL} read, one stream on 18.16); fewer when there are fewer minutes.
   */
  static List<List<RangePlan.Segment>> groups(List<RangePlan.Segment> segments, int n) {
    List<List<RangePlan.Segment>> groups = new ArrayList<>();
    if (segments.isEmpty()) {
      return groups;
    }
    long span = segments.stream().mapToLong(s -> s.to() - s.from()).sum();
    long target = Math.max(60, Math.floorDiv(span + n - 1, n * 60L) * 60);
    List<RangePlan.Segment> current = new ArrayList<>();
    long filled = 0;
    for (RangePlan.Segment s : segments) {
      long start = s.from();
      while (start < s.to()) {
        boolean last = groups.size() == n - 1;
        long end = last ? s.to() : Math.min(s.to(), start + (target - filled));
        current.add(new RangePlan.Segment(s.level(), start, end));
        filled += end - start;
        start = end;
        if (filled >= target && !last) {
          groups.add(current);
          current = new ArrayList<>();
          filled = 0;
        }
      }
    }
    if (!current.isEmpty()) {
      groups.add(current);
    }
    return groups;
  }

  /**
   * The server's threads per query ({@code max_threads}: "2" on 18.16, "'auto(2)'" on a current
   * server).
   */
  private int finalStreams() {
    if (finalStreams == 0) {
      try {
        List<JsonNode> rows =
            client.query("SELECT value FROM system.settings WHERE name = 'max_threads'");
        Matcher digits =
            Pattern.compile("(\\d+)")
                .matcher(rows.isEmpty() ? "" : rows.get(0).get("value").asText());
        finalStreams =
            digits.find()
                ? Math.max(1, Math.min(MAX_FINAL_STREAMS, Integer.parseInt(digits.group(1))))
                : 1;
      } catch (ClickHouseException e) {
        // The query itself will tell the caller; the next request asks again.
        return 1;
      }
    }
    return finalStreams;
  }

  /**
   * The tables of {@code prices}: the live ones for none or {@value CostTables#LIVE_NAME}, else a
   * version a replay wrote.
   *
   * @throws ApiException 400 for a malformed name, 404 for a version no replay wrote
   */
  public CostTables tables(String prices) {
    if (prices == null || prices.isBlank() || prices.strip().equals(CostTables.LIVE_NAME)) {
      return CostTables.LIVE;
    }
    String name = prices.strip();
    if (!PriceVersions.validName(name)) {
      throw ApiException.badRequest(
          "'prices' must be a price version (1-100 letters, digits or . _ : + @ -), got '"
              + prices
              + "'");
    }
    reads.ensureMigrated();
    try {
      return PriceVersions.find(client, name)
          .map(
              e -> {
                versionLevels(e.rollupTable());
                return new CostTables(e.rawTable(), e.rollupTable());
              })
          .orElseThrow(
              () ->
                  ApiException.notFound(
                      "no price version '"
                          + name
                          + "': GET /api/v1/analytics/"
                          + "price-versions lists them"));
    } catch (ClickHouseException e) {
      throw reads.failed(e);
    }
  }

  /**
   * The live version first (its price table, the range of its raw rows), then every replayed one,
   * oldest first.
   */
  public List<Map<String, Object>> priceVersions(PriceTable live) {
    List<Map<String, Object>> versions = new ArrayList<>();
    Map<String, Object> first = new LinkedHashMap<>();
    first.put("version", CostTables.LIVE_NAME);
    first.put("createdAt", null);
    first.put("prices", json(live.json()));
    List<JsonNode> range =
        reads.queryOrEmpty(
            "SELECT count() AS n, min(finished_at_ms) AS f, max(finished_at_ms) AS t"
                + " FROM cost_records");
    boolean any = !range.isEmpty() && range.get(0).get("n").asLong() > 0;
    first.put("from", any ? Instant.ofEpochMilli(range.get(0).get("f").asLong()).toString() : null);
    first.put(
        "to", any ? Instant.ofEpochMilli(range.get(0).get("t").asLong() + 1).toString() : null);
    first.put("live", true);
    versions.add(first);
    reads.ensureMigrated();
    List<PriceVersions.Entry> replayed;
    try {
      replayed = PriceVersions.list(client);
    } catch (ClickHouseException e) {
      throw reads.failed(e);
    }
    for (PriceVersions.Entry e : replayed) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("version", e.version());
      v.put("createdAt", Instant.ofEpochMilli(e.createdAtMs()).toString());
      v.put("prices", json(e.prices()));
      v.put("from", Instant.ofEpochMilli(e.fromMs()).toString());
      v.put("to", Instant.ofEpochMilli(e.toMs()).toString());
      v.put("records", e.records());
      v.put("live", false);
      versions.add(v);
    }
    return versions;
  }

  private static JsonNode json(String text) {
    try {
      return Json.mapper().readTree(text);
    } catch (java.io.IOException e) {
      return Json.mapper().getNodeFactory().textNode(text);
    }
  }
}
