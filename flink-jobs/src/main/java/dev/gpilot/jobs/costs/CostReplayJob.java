package dev.gpilot.jobs.costs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.clickhouse.PriceVersions;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.ingest.ContractDeserializer;
import dev.gpilot.jobs.internal.kafka.TopicRange;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSinkOptions;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.NettyShuffleEnvironmentOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Re-prices a range of mission history (SPEC.md section 8, Replays): the cost pipeline itself
 * ({@link CostPipeline#build}, the live job's operators) in {@link RuntimeExecutionMode#BATCH} over
 * a bounded range of {@code gpilot.step-results.v1}, each attempt priced again by {@link Repricer},
 * writing the raw rows and rollups of a price version into that version's own tables ({@link
 * PriceVersions}); the live tables are only read. A dry run computes the same prices and writes
 * nothing but its differences file.
 *
 * <pre>
 * step-results (bounded: the offsets at the start) ─ progress ─ finishedAt in [from, to)
 *   ─ CostPipeline.build (StepResultCosts with the new prices ─ CostTagger ─ CostCombiner ─ 1-minute windows)
 *   ─▶ ClickHouse cost_records_p… and cost_rollup_1m_p…  ─ price_versions row
 *   CostTagger ─ ReplaySums ─▶ the version's totals per (agent, model), against the live rows' (queried meanwhile)
 * </pre>
 *
 * <p>In BATCH mode the keyed inputs are sorted and every window fires once at the end, so a rollup
 * row holds its minute whole (no straggler rows), and the sinks' rows replace themselves: the same
 * replay twice leaves the same rows.
 */
public final class CostReplayJob {
  /**
   * Records the replay's sources read in this JVM (the progress line; the replay runs in its own
   * process).
   */
  static final AtomicLong READ = new AtomicLong();

  private final CostReplayOptions options;

  public CostReplayJob(CostReplayOptions options) {
    this.options = options;
  }

  /**
   * {@code replay costs --from … --to … [--prices …] [--as …] [--dry-run]}; exits 2 on a usage
   * error.
   */
  public static void main(String[] args) throws Exception {
    CostReplayOptions options;
    try {
      options = CostReplayOptions.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("replay costs: " + e.getMessage());
      System.exit(2);
      return;
    }
    new CostReplayJob(options).run(new Configuration(), System.out);
    System.exit(0);
  }

  /**
   * Runs the replay to its end and returns its differences (also printed to {@code out} and saved).
   */
  public ReplayDiff run(Configuration conf, PrintStream out) throws Exception {
    ClickHouseClient ch =
        new ClickHouseClient(
            options.clickhouseUrl(), options.clickhouseDatabase(), options.clickhouseTimeout());
    ClickHouseMigrations.apply(ch);
    long[] rows = new long[1];
    List<RawRowSlices.Slice> slices =
        options.fromClickHouse()
            ? RawRowSlices.plan(
                ch,
                CostRows.RAW_TABLE,
                options.from().toEpochMilli(),
                options.to().toEpochMilli(),
                rows)
            : List.of();
    // From the first result written at most an hour before `from` (a result is written when its
    // attempt finished, so
    // one that finished in the range was written after `from`, give or take the clocks) to the end
    // now.
    TopicRange range =
        options.fromClickHouse()
            ? null
            : TopicRange.since(
                options.kafkaBootstrapServers(),
                Topics.STEP_RESULTS,
                Math.max(0, options.from().toEpochMilli() - Duration.ofHours(1).toMillis()));
    long total = options.fromClickHouse() ? rows[0] : range.records();
    out.printf(
        Locale.ROOT,
        "replay costs: %s → %s with prices %s (%s) as price version %s; %,d %s to read%n",
        options.from(),
        options.to(),
        options.prices().versions().stream()
            .map(v -> v.version() + " from " + v.effectiveFrom())
            .collect(Collectors.joining(", ")),
        options.prices().source(),
        options.version(),
        total,
        options.fromClickHouse() ? "raw rows (" + slices.size() + " slices)" : "step results");
    if (!options.dryRun()) {
      PriceVersions.createTables(ch, options.version());
    }

    Configuration jobConf = new Configuration(conf);
    jobConf.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
    // As the live job (MissionJobFlinkOptions): records are immutable and no operator keeps or
    // changes one after
    // emitting it, so chained operators pass them on instead of copying each (a copy of a step
    // result is a JSON
    // round trip); and no type may fall back to Kryo.
    jobConf.set(PipelineOptions.OBJECT_REUSE, true);
    jobConf.set(PipelineOptions.GENERIC_TYPES, false);
    // The replay runs on one machine: its exchanges go through memory and local files, where
    // compressing them costs
    // CPU and saves nothing.
    jobConf.set(
        NettyShuffleEnvironmentOptions.SHUFFLE_COMPRESSION_CODEC,
        NettyShuffleEnvironmentOptions.CompressionCodec.NONE);
    if (!options.sortedInputs()) {
      // Keyed operators take their records as they come, with their state in the heap (no sort, no
      // spill).
      jobConf.set(ExecutionOptions.SORT_INPUTS, false);
      jobConf.set(ExecutionOptions.USE_BATCH_STATE_BACKEND, false);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConf);
    env.setParallelism(options.parallelism());
    WatermarkStrategy<StepResult> finishTimes =
        WatermarkStrategy.<StepResult>noWatermarks()
            .withTimestampAssigner((r, ts) -> r.finishedAt());
    DataStream<StepResult> input =
        options.fromClickHouse()
            ? env.fromData(slices, TypeInformation.of(RawRowSlices.Slice.class))
                .name("replay-raw-slices")
                .uid("replay-raw-slices")
                .rebalance()
                .flatMap(
                    new RawRowSlices.Read(
                        options.clickhouseUrl(), options.clickhouseDatabase(), CostRows.RAW_TABLE),
                    JsonTypeInfo.of(StepResult.class))
                .name("replay-raw-rows")
                .uid("replay-raw-rows")
                .assignTimestampsAndWatermarks(finishTimes)
                .name("replay-finish-times")
                .uid("replay-finish-times")
            : env.fromSource(source(range), finishTimes, "replay-step-results")
                .uid("replay-step-results-source");
    DataStream<StepResult> results =
        input
            .map(new Progress(), JsonTypeInfo.of(StepResult.class))
            .name("replay-progress")
            .uid("replay-progress")
            .filter(new InRange(options.from().toEpochMilli(), options.to().toEpochMilli()))
            .name("replay-range")
            .uid("replay-range");
    Repricer repricer = new Repricer(options.prices(), agentModels());

    READ.set(0);
    Thread reporter = progressReporter(total, out);
    ReplayDiff diff;
    try {
      if (options.dryRun()) {
        diff = dryRun(results, repricer);
      } else {
        ClickHouseSinkOptions sink =
            new ClickHouseSinkOptions(
                options.clickhouseUrl(),
                options.clickhouseDatabase(),
                50_000,
                Duration.ofSeconds(5),
                Duration.ofSeconds(10));
        long from = options.from().toEpochMilli();
        long to = options.to().toEpochMilli();
        // The live totals of the range are read from ClickHouse while the job runs (the live tables
        // do not change with a replay); the version's come out of the job itself.
        CompletableFuture<Map<ReplayDiff.Key, ReplayDiff.Count>> live =
            CompletableFuture.supplyAsync(() -> liveSums(ch, from, to), LIVE_SUMS);
        CostPipeline.build(
                results,
                CostOptions.DEFAULTS,
                CostTargets.of(
                    null,
                    sink,
                    PriceVersions.rawTable(options.version()),
                    PriceVersions.rollupTable(options.version())),
                repricer)
            .transform("replay-sums", Types.VOID, new ReplaySums())
            .uid("replay-sums");
        Map<ReplayDiff.Key, ReplayDiff.Count> replayed =
            ReplaySums.of(env.execute("gpilot-replay-costs-" + options.version()));
        PriceVersions.record(
            ch,
            options.version(),
            options.prices().json(),
            from,
            to,
            replayed.values().stream().mapToLong(ReplayDiff.Count::attempts).sum(),
            System.currentTimeMillis());
        diff =
            new ReplayDiff(
                options.version(),
                options.from().toString(),
                options.to().toString(),
                false,
                ReplayDiff.compare(liveSums(live), replayed));
      }
    } finally {
      reporter.interrupt();
      reporter.join();
    }
    report(total, out, true);
    diff.print(out);
    diff.save(options.diffFile());
    out.println("saved " + options.diffFile());
    return diff;
  }

  /**
   * Dry run: per (agent, model), each attempt once, its recorded and its new cost; nothing is
   * written.
   */
  private ReplayDiff dryRun(DataStream<StepResult> results, Repricer repricer) throws Exception {
    TypeInformation<ReplayDiff.Row> row = TypeInformation.of(ReplayDiff.Row.class);
    DataStream<ReplayDiff.Row> sums =
        results
            .keyBy(StepResult::id, Types.STRING)
            .reduce((a, b) -> a) // at-least-once topic: one result per attempt
            .name("replay-dedupe")
            .uid("replay-dedupe")
            .map(new DiffRow(repricer), row)
            .name("replay-diff-row")
            .uid("replay-diff-row")
            .keyBy(r -> r.agent() + "\u0000" + r.model(), Types.STRING)
            .reduce(ReplayDiff.Row::plus)
            .name("replay-diff-sum")
            .uid("replay-diff-sum");
    List<ReplayDiff.Row> rows = new ArrayList<>();
    try (CloseableIterator<ReplayDiff.Row> it =
        sums.executeAndCollect("gpilot-replay-costs-dry-run")) {
      it.forEachRemaining(rows::add);
    }
    return new ReplayDiff(
        options.version(), options.from().toString(), options.to().toString(), true, rows);
  }

  /** Runs the live totals' query beside the job. */
  private static final Executor LIVE_SUMS =
      r -> {
        Thread t = new Thread(r, "replay-live-sums");
        t.setDaemon(true);
        t.start();
      };

  private static Map<ReplayDiff.Key, ReplayDiff.Count> liveSums(
      CompletableFuture<Map<ReplayDiff.Key, ReplayDiff.Count>> query) {
    try {
      return query.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /**
   * The live raw rows of the range per (agent, model): attempts and their cost, each row once as
   * the table keeps it ({@code FINAL}: one row per workspace, finish time and id; a merge of the
   * table's sorted parts, where grouping every attempt by its id took ClickHouse seconds).
   */
  private static Map<ReplayDiff.Key, ReplayDiff.Count> liveSums(
      ClickHouseClient ch, long from, long to) {
    Map<ReplayDiff.Key, ReplayDiff.Count> sums = new HashMap<>();
    for (JsonNode r :
        ch.query(
            "SELECT agent, model, count() AS n, sum(cost_micros) AS cost FROM "
                + CostRows.RAW_TABLE
                + " FINAL WHERE finished_at >= toDateTime("
                + from / 1000
                + ") AND finished_at <= toDateTime("
                + (to / 1000)
                + ") AND finished_at_ms >= "
                + from
                + " AND finished_at_ms < "
                + to
                + " GROUP BY agent, model")) {
      sums.put(
          new ReplayDiff.Key(r.get("agent").asText(), r.get("model").asText()),
          new ReplayDiff.Count(r.get("n").asLong(), r.get("cost").asLong()));
    }
    return sums;
  }

  private Map<String, String> agentModels() {
    Map<String, String> models = new HashMap<>();
    options.catalog().agents().forEach(a -> models.put(a.name(), a.model()));
    return models;
  }

  private KafkaSource<StepResult> source(TopicRange range) {
    return range
        .source(
            options.kafkaBootstrapServers(),
            Topics.STEP_RESULTS,
            "gpilot-cost-replay",
            // Without outputs and errors, which costing never reads (the live job's source is
            // shared with the scheduler, which does); the same records are skipped as invalid.
            ContractDeserializer.stepResultsForCosts())
        .setProperty(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(4 << 20))
        .build();
  }

  private static Thread progressReporter(long total, PrintStream out) {
    long startedAt = System.nanoTime();
    Thread t =
        new Thread(
            () -> {
              try {
                while (!Thread.currentThread().isInterrupted()) {
                  Thread.sleep(2000);
                  report(total, out, false, startedAt);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "replay-progress");
    t.setDaemon(true);
    STARTED.set(startedAt);
    t.start();
    return t;
  }

  private static final AtomicLong STARTED = new AtomicLong();

  private static void report(long total, PrintStream out, boolean done) {
    report(total, out, done, STARTED.get());
  }

  /** {@code read 1,234,567 / 2,000,000 (61.7 %), 98,765 records/s, ETA 8 s}. */
  private static void report(long total, PrintStream out, boolean done, long startedAt) {
    long read = READ.get();
    double seconds = Math.max(1e-3, (System.nanoTime() - startedAt) / 1e9);
    double rate = read / seconds;
    String eta =
        done
            ? String.format(Locale.ROOT, "done in %.1f s", seconds)
            : rate <= 0
                ? "ETA ?"
                : String.format(Locale.ROOT, "ETA %.0f s", Math.max(0, total - read) / rate);
    out.printf(
        Locale.ROOT,
        "read %,d / %,d (%.1f %%), %,.0f records/s, %s%n",
        read,
        total,
        total == 0 ? 100.0 : 100.0 * read / total,
        rate,
        eta);
  }

  /** Counts what the source read (for the progress line). */
  static final class Progress implements MapFunction<StepResult, StepResult> {
    private static final long serialVersionUID = 1L;

    @Override
    public StepResult map(StepResult r) {
      READ.incrementAndGet();
      return r;
    }
  }

  /** Attempts finished in {@code [from, to)}, and only those a cost record can hold. */
  record InRange(long from, long to) implements FilterFunction<StepResult> {
    @Override
    public boolean filter(StepResult r) {
      return r.finishedAt() >= from && r.finishedAt() < to && CostRecord.isEpochMs(r.startedAt());
    }
  }

  /** A result → its (agent, model) row: recorded cost and new cost. */
  record DiffRow(Repricer repricer) implements MapFunction<StepResult, ReplayDiff.Row> {
    @Override
    public ReplayDiff.Row map(StepResult r) {
      StepResult n = repricer.reprice(r).result();
      return new ReplayDiff.Row(
          r.agent() == null ? "" : r.agent(),
          r.model() == null ? "" : r.model(),
          1,
          r.costMicros(),
          n.costMicros());
    }
  }
}
