package dev.gpilot.jobs.rebuild;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.costs.CostOptions;
import dev.gpilot.jobs.costs.CostPipeline;
import dev.gpilot.jobs.costs.CostRows;
import dev.gpilot.jobs.costs.CostTargets;
import dev.gpilot.jobs.ingest.ContractDeserializer;
import dev.gpilot.jobs.internal.kafka.TopicRange;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSink;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSinkOptions;
import dev.gpilot.jobs.sink.clickhouse.MissionEventRows;
import dev.gpilot.jobs.sink.clickhouse.MissionSummaryRows;
import dev.gpilot.jobs.sink.clickhouse.RowEncoder;
import java.io.PrintStream;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Rebuilds ClickHouse's mission tables from the topics (SPEC.md section 8, "Rebuild"), in a fresh
 * database, never over the live tables: {@code mission_events} (the events with their time in
 * {@code [from, to)}), {@code missions} (the summary the scheduler wrote last of each mission that
 * finished in the range, or that has not finished and started in it, folded from all its retained
 * events and its submission by {@link SummaryFold}) and the cost tables (the cost pipeline itself,
 * {@link CostPipeline#build}, over the step results that finished in the range, their recorded
 * costs kept). One Flink job in BATCH mode over the topics bounded at their ends when it starts;
 * then each table is compared with the live one over the range.
 *
 * <pre>
 * mission-events (all retained) ─┬─ ts in range ─▶ &lt;into&gt;.mission_events
 *                                └─ keyBy missionId ─┬─ SummaryFold ─ ended (else started) in range
 * missions (all retained) ─ submission times ────────┘     ─▶ &lt;into&gt;.missions
 * step-results (from an hour before from) ─ finishedAt in range ─ CostPipeline.build ─▶ &lt;into&gt;.cost_records, cost_rollup_1m
 * </pre>
 *
 * <p>Idempotent: every table replaces rows by its key (events by (workspace, mission, seq),
 * summaries by version, cost rows by id, rollups by key and version), so a second rebuild of the
 * same range leaves the same rows.
 */
public final class RebuildJob {
  /** One table compared: its rows over the range in the live and the rebuilt database. */
  public record TableCheck(
      String table, int liveRows, int rebuiltRows, int onlyLive, int onlyRebuilt) {
    public boolean identical() {
      return onlyLive == 0 && onlyRebuilt == 0 && liveRows == rebuiltRows;
    }
  }

  private final RebuildOptions options;

  public RebuildJob(RebuildOptions options) {
    this.options = options;
  }

  /**
   * {@code replay rebuild --from … --to … [--into …]}; exits 2 on a usage error, 1 when a table
   * differs.
   */
  public static void main(String[] args) throws Exception {
    RebuildOptions options;
    try {
      options = RebuildOptions.parse(List.of(args), System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("replay rebuild: " + e.getMessage());
      System.exit(2);
      return;
    }
    List<TableCheck> checks = new RebuildJob(options).run(new Configuration(), System.out);
    System.exit(checks.stream().allMatch(TableCheck::identical) ? 0 : 1);
  }

  /** Runs the rebuild, prints and returns the comparison with the live tables. */
  public List<TableCheck> run(Configuration conf, PrintStream out) throws Exception {
    ClickHouseClient live =
        new ClickHouseClient(
            options.clickhouseUrl(), options.liveDatabase(), options.clickhouseTimeout());
    ClickHouseClient into = live.withDatabase(options.intoDatabase());
    ClickHouseMigrations.apply(into);
    long from = options.from().toEpochMilli();
    long to = options.to().toEpochMilli();
    TopicRange events = TopicRange.since(options.kafkaBootstrapServers(), Topics.MISSION_EVENTS, 0);
    TopicRange submissions = TopicRange.since(options.kafkaBootstrapServers(), Topics.MISSIONS, 0);
    TopicRange results =
        TopicRange.since(
            options.kafkaBootstrapServers(),
            Topics.STEP_RESULTS,
            Math.max(0, from - Duration.ofHours(1).toMillis()));
    out.printf(
        Locale.ROOT,
        "replay rebuild: %s → %s from the topics (%,d mission events, %,d submissions, %,d step "
            + "results) into database %s%n",
        options.from(),
        options.to(),
        events.records(),
        submissions.records(),
        results.records(),
        options.intoDatabase());

    Configuration jobConf = new Configuration(conf);
    jobConf.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConf);
    env.setParallelism(options.parallelism());
    ClickHouseSinkOptions sink =
        new ClickHouseSinkOptions(
            options.clickhouseUrl(),
            options.intoDatabase(),
            50_000,
            Duration.ofSeconds(5),
            Duration.ofSeconds(10));

    DataStream<MissionEvent> eventStream =
        env.fromSource(
                source(Topics.MISSION_EVENTS, events, ContractDeserializer.missionEvents()),
                WatermarkStrategy.noWatermarks(),
                "rebuild-mission-events")
            .uid("rebuild-mission-events-source");
    eventStream
        .filter(inRange(from, to, MissionEvent::ts))
        .name("rebuild-events-in-range")
        .uid("rebuild-events-in-range")
        .sinkTo(
            new ClickHouseSink<MissionEvent>(
                sink, MissionEventRows.TABLE, RowEncoder.tree(MissionEventRows::encode)))
        .name("rebuild-mission-events-clickhouse")
        .uid("rebuild-mission-events-clickhouse");
    DataStream<SubmissionTimes.Submitted> submitted =
        env.fromSource(
                source(Topics.MISSIONS, submissions, new SubmissionTimes()),
                WatermarkStrategy.noWatermarks(),
                "rebuild-missions")
            .uid("rebuild-missions-source");
    eventStream
        .keyBy(MissionEvent::missionId, Types.STRING)
        .connect(submitted.keyBy(SubmissionTimes.Submitted::missionId, Types.STRING))
        .process(new SummaryFunction(from, to), JsonTypeInfo.of(MissionSummary.class))
        .name("rebuild-summaries")
        .uid("rebuild-summaries")
        .sinkTo(
            new ClickHouseSink<MissionSummary>(
                sink, MissionSummaryRows.TABLE, RowEncoder.tree(MissionSummaryRows::encode)))
        .name("rebuild-missions-clickhouse")
        .uid("rebuild-missions-clickhouse");

    WatermarkStrategy<StepResult> finishTimes =
        WatermarkStrategy.<StepResult>noWatermarks()
            .withTimestampAssigner((r, ts) -> r.finishedAt());
    DataStream<StepResult> stepResults =
        env.fromSource(
                source(Topics.STEP_RESULTS, results, ContractDeserializer.stepResults()),
                finishTimes,
                "rebuild-step-results")
            .uid("rebuild-step-results-source")
            .filter(inRange(from, to, StepResult::finishedAt))
            .name("rebuild-results-in-range")
            .uid("rebuild-results-in-range");
    CostPipeline.build(
        stepResults,
        CostOptions.DEFAULTS,
        CostTargets.of(null, sink, CostRows.RAW_TABLE, CostRows.ROLLUP_TABLE),
        null);
    env.execute("gpilot-replay-rebuild");

    List<TableCheck> checks = compare(live, into, from, to);
    for (TableCheck c : checks) {
      out.printf(
          Locale.ROOT,
          "  %-16s %,9d live rows, %,9d rebuilt: %s%n",
          c.table(),
          c.liveRows(),
          c.rebuiltRows(),
          c.identical()
              ? "identical"
              : "DIFFERENT (" + c.onlyLive() + " only live, " + c.onlyRebuilt() + " only rebuilt)");
    }
    return checks;
  }

  /** Each rebuilt table against the live one over [from, to), row by row. */
  public static List<TableCheck> compare(
      ClickHouseClient live, ClickHouseClient rebuilt, long from, long to) {
    String range = " >= " + from + " AND %s < " + to;
    Map<String, String> queries = new java.util.LinkedHashMap<>();
    queries.put(
        MissionEventRows.TABLE,
        "SELECT workspace_id, mission_id, seq, type, ts_ms, event FROM mission_events"
            + " FINAL WHERE ts_ms"
            + range.formatted("ts_ms")
            + " ORDER BY workspace_id, mission_id, seq");
    // A finished mission by when it ended; one that has not (its row the start-of-run summary) by
    // when it started.
    queries.put(
        MissionSummaryRows.TABLE,
        "SELECT * FROM missions FINAL WHERE (finished_at_ms > 0 AND finished_at_ms"
            + range.formatted("finished_at_ms")
            + ") OR (finished_at_ms = 0 AND started_at_ms"
            + range.formatted("started_at_ms")
            + ") ORDER BY workspace_id, mission_id");
    queries.put(
        CostRows.RAW_TABLE,
        "SELECT * FROM cost_records FINAL WHERE finished_at_ms"
            + range.formatted("finished_at_ms")
            + " ORDER BY workspace_id, id");
    // Live rollups may hold a late slice of a minute beside its on-time row; a rebuild has one row
    // per minute.
    queries.put(
        CostRows.ROLLUP_TABLE,
        "SELECT workspace_id, toUInt32(window_start) AS w, agent, model,"
            + " sum(steps) AS s, sum(missions) AS m, sum(agent_missions) AS am, sum(errors) AS e, sum(prompt_tokens) AS p,"
            + " sum(output_tokens) AS o, sum(thinking_tokens) AS t, sum(cached_tokens) AS c, sum(cost_micros) AS cost,"
            + " sum(latency_sum_ms) AS l, max(latency_max_ms) AS lm FROM cost_rollup_1m FINAL"
            + " WHERE toUInt64(toUInt32(window_start)) * 1000"
            + range.formatted("toUInt64(toUInt32(window_start)) * 1000")
            + " GROUP BY workspace_id, w, agent, model ORDER BY workspace_id, w, agent, model");
    List<TableCheck> checks = new ArrayList<>();
    queries.forEach(
        (table, sql) -> {
          List<String> a = rows(live, sql);
          List<String> b = rows(rebuilt, sql);
          Set<String> onlyLive = new HashSet<>(a);
          b.forEach(onlyLive::remove);
          Set<String> onlyRebuilt = new HashSet<>(b);
          a.forEach(onlyRebuilt::remove);
          checks.add(
              new TableCheck(table, a.size(), b.size(), onlyLive.size(), onlyRebuilt.size()));
        });
    return checks;
  }

  /** The rows of a query as JSON text, in its order. */
  public static List<String> rows(ClickHouseClient ch, String sql) {
    return ch.query(sql).stream().map(JsonNode::toString).toList();
  }

  private <T> KafkaSource<T> source(
      String topic, TopicRange range, KafkaRecordDeserializationSchema<T> deserializer) {
    return range
        .source(options.kafkaBootstrapServers(), topic, "gpilot-rebuild", deserializer)
        .build();
  }

  /** A serializable reader of an element's time (epoch milliseconds). */
  interface TimeOf<T> extends ToLongFunction<T>, Serializable {}

  /** Keeps the elements whose time is in the rebuild's range, {@code [from, to)}. */
  static <T> FilterFunction<T> inRange(long from, long to, TimeOf<T> time) {
    return element -> {
      long t = time.applyAsLong(element);
      return t >= from && t < to;
    };
  }
}
