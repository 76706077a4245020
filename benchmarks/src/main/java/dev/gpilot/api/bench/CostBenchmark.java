package dev.gpilot.api.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.api.analytics.CostAnalytics;
import dev.gpilot.api.analytics.CostQuery;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.contracts.TopicAdmin;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.LocalMissionJob;
import dev.gpilot.jobs.MissionJob;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.jobs.costs.CostPipeline;
import dev.gpilot.testing.KafkaTestBroker;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./gpilot bench costs}: the cost pipeline's numbers, with their data generators. Each part
 * starts its own Kafka broker (in this JVM) and uses its own ClickHouse database on the server
 * given.
 *
 * <ol>
 *   <li><b>ingest</b>: a generator writes {@code records} step results (with usage and cost) to the
 *       step-results topic; the cost pipeline alone (RocksDB, checkpoints every 2 s, parallelism 2)
 *       turns them into ClickHouse rows. Runs, each with a broker, a database and a job of its own,
 *       warm the JVM up until its JIT compiler is nearly done, then three are timed; reported:
 *       their rows/s sustained (from the first row to the last) and the median, the first (cold)
 *       run's, and per run the raw table's inserts (count, average and median rows, from {@code
 *       system.part_log}), all inserts the server took (with the rollups'), the CPU per row (this
 *       JVM, ClickHouse, the JIT compiler's share) and that the raw table and the rollups hold
 *       exactly the generated cost. The rate is also given from the moment a quarter of the rows
 *       are in ({@code warmRowsPerSecond}).
 *   <li><b>breakdown</b>: {@code rawRows} raw rows (30 days, 20 agents, 3 models) and their
 *       1-minute rollups are generated in ClickHouse; reported: the breakdown API's query (rollups
 *       + raw for the last minutes), p50/p95 of 20 runs, and for comparison the same sums over the
 *       raw rows with FINAL.
 *   <li><b>missions</b>: 3-step missions with scripted usage through the whole MissionJob, 500 in
 *       flight, with and without the cost pipeline, all in this JVM, each run with a broker, a
 *       ClickHouse database and a job of its own (4,000 missions to fill them, then {@code
 *       missions} timed; the databases and checkpoints stay until the end). Runs of both alternate
 *       until the JIT compiler is nearly done; then nine blocks of four runs
 *       (without-with-with-without, then the other way round). Reported: every run's missions/s,
 *       each block's difference and their median, and the CPU per mission of the machine (every
 *       process), of the JVM and of the threads that run only cost operators.
 * </ol>
 *
 * Arguments: clickhouseUrl outputFile [records=2000000] [rawRows=10000000] [missions=8000]
 * [parts=ingest,breakdown,missions]
 */
public final class CostBenchmark {
  private static final String[] AGENTS = {
    "agent-scout",
    "content-orchestrator",
    "seo-analyst",
    "independent-verifier",
    "ui-auditor",
    "genesis-architect",
    "mission-overseer"
  };
  private static final String[] MODELS = {
    "gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite"
  };
  // Mission runs warm the JVM up until the last of either configuration spent under JIT_QUIET of
  // its time
  // compiling, MAX_WARMUP_RUNS at most; ingest runs likewise, MAX_INGEST_WARMUP_RUNS at most.
  private static final double JIT_QUIET = 0.10;
  private static final int MAX_WARMUP_RUNS = 16;
  private static final int MAX_INGEST_WARMUP_RUNS = 6;
  // Timed ingest runs, after the warm-up ones.
  private static final int INGEST_TIMED_RUNS = 3;
  // Missions each run sends through its fresh broker and job before it measures.
  private static final int RUN_WARMUP = 4000;
  // Blocks of four mission runs (two with the cost pipeline, two without).
  private static final int MISSION_BLOCKS = 9;

  public static void main(String[] args) {
    // The in-process brokers and jobs leave non-daemon threads behind: exit explicitly, also when a
    // part failed.
    BenchMain.exitAfter(args, CostBenchmark::run);
  }

  private static void run(String[] args) throws Exception {
    String clickhouse = args[0];
    Path output = Path.of(args[1]);
    long records = BenchMain.longArg(args, 2, 2_000_000);
    long rawRows = BenchMain.longArg(args, 3, 10_000_000);
    int missions = BenchMain.intArg(args, 4, 8000);
    Set<String> parts = Set.of(BenchMain.arg(args, 5, "ingest,breakdown,missions").split(","));
    if (parts.contains("ingest") && records < 1
        || parts.contains("breakdown") && rawRows < 1
        || parts.contains("missions") && missions < 1) {
      // A part asked to measure nothing would print numbers of empty runs: refuse instead.
      System.err.printf(
          "bench costs: records (%d), raw rows (%d) and missions (%d) must each be at least 1 for the"
              + " part that uses them; name the parts to run in the fourth argument (ingest,breakdown,missions)%n",
          records, rawRows, missions);
      System.exit(2);
    }
    List<String> results = new ArrayList<>();
    if (parts.contains("ingest")) {
      results.add(ingest(clickhouse, records));
    }
    if (parts.contains("breakdown")) {
      results.add(breakdown(clickhouse, rawRows));
    }
    if (parts.contains("missions")) {
      results.add(missions(clickhouse, missions));
    }
    String json = "{" + String.join(", ", results) + "}\n";
    Files.createDirectories(output.toAbsolutePath().getParent());
    Files.writeString(output, json);
    System.out.print(json);
  }

  // ---------------------------------------------------------------------------------------------------- ingest

  /**
   * Ingest runs, each with a broker, a database and a job of its own, until the JIT compiler spent
   * under {@link #JIT_QUIET} of a run's time from its quarter mark on ({@link
   * #MAX_INGEST_WARMUP_RUNS} at most), then {@link #INGEST_TIMED_RUNS} timed runs: a job in service
   * runs for days, and in this JVM (broker, MiniCluster, generator) the compiler is still busy for
   * the whole first run. The first run is reported too, as the cold rate.
   */
  static String ingest(String clickhouse, long records) throws Exception {
    try (RunLeftovers leftovers = new RunLeftovers(clickhouse, "bench_costs_ingest_")) {
      List<IngestRun> runs = new ArrayList<>();
      do {
        runs.add(ingestRun(clickhouse, records, leftovers));
      } while (runs.get(runs.size() - 1).jitShare() > JIT_QUIET
          && runs.size() < MAX_INGEST_WARMUP_RUNS);
      int warmupRuns = runs.size();
      List<Double> rates = new ArrayList<>();
      for (int i = 0; i < INGEST_TIMED_RUNS; i++) {
        IngestRun run = ingestRun(clickhouse, records, leftovers);
        runs.add(run);
        rates.add(run.rowsPerSecond());
      }
      return String.format(
          Locale.ROOT,
          "\"ingest\": {\"records\": %d, \"warmupRuns\": %d, \"rowsPerSecond\": %.0f,"
              + " \"timedRowsPerSecond\": [%s], \"coldRowsPerSecond\": %.0f, \"allExact\": %b, \"runs\": [%s]}",
          records,
          warmupRuns,
          median(rates),
          rates.stream()
              .map(r -> String.format(Locale.ROOT, "%.0f", r))
              .collect(Collectors.joining(", ")),
          runs.get(0).rowsPerSecond(),
          runs.stream().allMatch(IngestRun::exact),
          runs.stream().map(IngestRun::json).collect(Collectors.joining(", ")));
    }
  }

  /**
   * One ingest run: its rows/s from the first row to the last, the JIT compiler's share of the time
   * from the quarter mark on, whether the raw rows and rollups hold exactly the generated cost, and
   * all of it as JSON.
   */
  record IngestRun(double rowsPerSecond, double jitShare, boolean exact, String json) {}

  static IngestRun ingestRun(String clickhouse, long records, RunLeftovers leftovers)
      throws Exception {
    KafkaTestBroker kafka = new KafkaTestBroker();
    kafka.beforeAll(null);
    String database = leftovers.newDatabase();
    ClickHouseClient ch = new ClickHouseClient(clickhouse, database, Duration.ofMinutes(5));
    ClickHouseMigrations.apply(ch);
    try {
      TopicAdmin.ensureTopics(kafka.bootstrapServers());
      long generated = generateStepResults(kafka.bootstrapServers(), records);
      MissionJobOptions options =
          MissionJobOptions.of(kafka.bootstrapServers(), clickhouse, database);
      Configuration conf = LocalMissionJob.localConfiguration(leftovers.newDirectory(), 2, 0, 2000);
      long startedAt = System.currentTimeMillis() / 1000;
      long insertsBefore = serverEvent(ch, "InsertQuery");
      long rowsBefore = serverEvent(ch, "InsertedRows");
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
      // The cost pipeline alone, on the job's step-results source (which the scheduler shares in
      // the MissionJob).
      CostPipeline.attach(MissionJob.stepResults(env, options), options);
      JobClient job = env.executeAsync("bench-cost-pipeline");
      long firstAt = 0;
      long firstCount = 0;
      long quarterAt = 0;
      long quarterCount = 0;
      long count = 0;
      long deadline = System.currentTimeMillis() + 30 * 60_000;
      long lastAt = System.nanoTime();
      CpuMark firstMark = null;
      CpuMark quarterMark = null;
      while (count < records
          && System.currentTimeMillis() < deadline
          && (firstAt == 0 || System.nanoTime() - lastAt < 60_000_000_000L)) {
        Thread.sleep(200);
        long now = one(ch, "SELECT count() FROM cost_records");
        if (now != count) {
          lastAt = System.nanoTime();
        }
        count = now;
        if (System.getenv("GPILOT_BENCH_TRACE") != null) {
          System.err.printf(Locale.ROOT, "rows %d at %d ms%n", count, System.currentTimeMillis());
        }
        if (firstAt == 0 && count > 0) {
          firstAt = lastAt;
          firstCount = count;
          firstMark = CpuMark.now();
        }
        if (quarterAt == 0 && count >= records / 4) {
          quarterAt = lastAt;
          quarterCount = count;
          quarterMark = CpuMark.now();
        }
      }
      CpuMark endMark = CpuMark.now();
      if (count < records) {
        System.err.printf(
            Locale.ROOT, "only %d of %d rows arrived (none for 60 s)%n", count, records);
      }
      double perSecond = (count - firstCount) / ((lastAt - firstAt) / 1e9);
      double warmPerSecond = (count - quarterCount) / ((lastAt - quarterAt) / 1e9);
      Phase warm = quarterMark == null ? null : endMark.since(quarterMark, count - quarterCount);
      String cpu =
          firstMark == null || warm == null
              ? "null"
              : String.format(
                  Locale.ROOT,
                  "{\"all\": %s, \"warm\": %s}",
                  cpuPerRow(endMark.since(firstMark, count - firstCount), count - firstCount),
                  cpuPerRow(warm, count - quarterCount));
      long inserts = serverEvent(ch, "InsertQuery") - insertsBefore;
      long rowsInserted = serverEvent(ch, "InsertedRows") - rowsBefore;
      // The raw table's inserts alone, from the parts they wrote (one part per insert: the rows
      // share a month).
      ch.execute("SYSTEM FLUSH LOGS");
      JsonNode parts =
          ch.query(
                  "SELECT count() AS parts, sum(rows) AS total, min(rows) AS smallest,"
                      + " quantileExact(0.5)(rows) AS median FROM system.part_log WHERE toInt8(event_type) = 1"
                      + " AND database = '"
                      + database
                      + "' AND table = 'cost_records'"
                      + " AND event_time >= toDateTime("
                      + startedAt
                      + ")")
              .get(0);
      long rawCost = one(ch, "SELECT sum(cost_micros) FROM cost_records FINAL");
      // Rollups of the last minutes fire once the watermark passes them (idle timeout after the
      // last record).
      long rollupCost = 0;
      long rollupDeadline = System.currentTimeMillis() + 180_000;
      while (rollupCost != generated && System.currentTimeMillis() < rollupDeadline) {
        Thread.sleep(1000);
        rollupCost =
            one(
                ch,
                "SELECT sum(c) FROM (SELECT argMax(cost_micros, version) AS c FROM cost_rollup_1m"
                    + " GROUP BY workspace_id, agent, model, window_start, slice)");
      }
      job.cancel().get();
      long rollupRows = one(ch, "SELECT count() FROM cost_rollup_1m");
      long windows = one(ch, "SELECT count() FROM cost_rollup_1m FINAL");
      System.err.printf(
          Locale.ROOT,
          "ingest run: %.0f rows/s (%.0f from the quarter mark), JIT %.0f %% of the time%n",
          perSecond,
          warmPerSecond,
          warm == null ? 100 : 100 * warm.jitShare());
      String json =
          String.format(
              Locale.ROOT,
              "{\"records\": %d, \"rowsPerSecond\": %.0f,"
                  + " \"warmRowsPerSecond\": %.0f, \"cpuPerRow\": %s,"
                  + " \"rawInserts\": {\"count\": %d, \"rows\": %d, \"avgRows\": %.0f, \"medianRows\": %d,"
                  + " \"smallestRows\": %d},"
                  + " \"clickhouseInserts\": %d, \"rowsInserted\": %d, \"avgRowsPerInsert\": %.0f,"
                  + " \"rollupRowsWritten\": %d, \"rollupWindows\": %d,"
                  + " \"rawCostMatches\": %b, \"rollupCostMatches\": %b, \"generatedCostMicros\": %d}",
              records,
              perSecond,
              warmPerSecond,
              cpu,
              parts.get("parts").asLong(),
              parts.get("total").asLong(),
              parts.get("total").asLong() / (double) Math.max(1, parts.get("parts").asLong()),
              parts.get("median").asLong(),
              parts.get("smallest").asLong(),
              inserts,
              rowsInserted,
              rowsInserted / (double) Math.max(1, inserts),
              rollupRows,
              windows,
              rawCost == generated,
              rollupCost == generated,
              generated);
      return new IngestRun(
          perSecond,
          warm == null ? 1 : warm.jitShare(),
          count == records && rawCost == generated && rollupCost == generated,
          json);
    } finally {
      kafka.afterAll(null);
    }
  }

  /**
   * Writes step results of 5-step missions, finished over the last minutes; returns their total
   * cost.
   */
  static long generateStepResults(String bootstrap, long records) throws Exception {
    JsonCodec<StepResult> codec = JsonCodec.of(StepResult.class);
    Properties props = BenchMain.bulkProducer(bootstrap);
    long total = 0;
    java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
    long end = System.currentTimeMillis();
    long spanMs = 10 * 60_000;
    long t0 = System.nanoTime();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      String missionId = null;
      for (long i = 0; i < records; i++) {
        if (i % 5 == 0) {
          missionId = UUID.randomUUID().toString();
        }
        String agent = AGENTS[(int) (i % AGENTS.length)];
        String model = MODELS[(int) ((i / 7) % MODELS.length)];
        long finishedAt = end - spanMs + (i * spanMs) / records;
        long cost = 100 + (i * 7919) % 90_000;
        total += cost;
        boolean ok = i % 17 != 0;
        StepResult result =
            new StepResult(
                missionId,
                "ws-" + (i % 3),
                "s" + (i % 5),
                1,
                agent,
                ok,
                ok ? Json.mapper().createObjectNode().put("text", "ok") : null,
                ok ? null : "boom",
                finishedAt - 800,
                finishedAt,
                model,
                new Usage(1000 + i % 500, 200 + i % 100, i % 50, i % 300),
                cost,
                "bench/1",
                !ok);
        producer.send(
            new ProducerRecord<>(Topics.STEP_RESULTS, missionId, codec.encode(result)),
            (metadata, error) -> {
              if (error != null) {
                failed.incrementAndGet();
              }
            });
      }
    }
    if (failed.get() > 0) {
      throw new IllegalStateException(
          failed.get() + " of " + records + " generated step results were not written");
    }
    System.err.printf(
        Locale.ROOT,
        "generated %d step results in %.1f s%n",
        records,
        (System.nanoTime() - t0) / 1e9);
    return total;
  }

  /**
   * The CPU a row cost from a mark to the last row: this JVM's (broker, job, driver), ClickHouse's,
   * how busy the machine was (and the share the hypervisor took from it, steal), and its JIT
   * compiler's share of the time; the threads' shares to stderr with {@code -Dbench.threads=true}.
   */
  private static String cpuPerRow(Phase phase, long rows) {
    if (Boolean.getBoolean("bench.threads")) {
      System.err.printf(
          Locale.ROOT,
          "CPU by thread role (outside the threads listed: %.1f µs/row):%n%s%n",
          (phase.cpuNanos() - phase.threads().nanos(role -> true)) / 1e3 / rows,
          phase.threads().top(15, rows, "row"));
    }
    return String.format(
        Locale.ROOT,
        "{\"jvmMicros\": %.1f, \"clickhouseMicros\": %.1f,"
            + " \"machineBusyPercent\": %.1f, \"stealPercent\": %.1f, \"jitPercent\": %.1f}",
        phase.cpuNanos() / 1e3 / rows,
        phase.clickhouseMs() * 1e3 / rows,
        phase.machine().busyPercent(),
        phase.machine().stealPercent(),
        100 * phase.jitShare());
  }

  // ------------------------------------------------------------------------------------------------- breakdown

  static String breakdown(String clickhouse, long rawRows) throws Exception {
    String database = "bench_costs_breakdown";
    ClickHouseClient ch = new ClickHouseClient(clickhouse, database, Duration.ofMinutes(10));
    ch.withDatabase(null).execute("DROP DATABASE IF EXISTS " + database);
    ClickHouseMigrations.apply(ch);
    try {
      long now = Instant.now().getEpochSecond();
      long span = 30L * 86_400;
      long t0 = System.nanoTime();
      // Generator: 30 days up to now, one workspace, 5-step missions, 7 agents x 3 models.
      ch.execute(
          "INSERT INTO cost_records (id, workspace_id, mission_id, step_id, attempt, agent, model, succeeded,"
              + " prompt_tokens, output_tokens, thinking_tokens, cached_tokens, cost_micros, price_version, started_at_ms,"
              + " finished_at_ms, finished_at, latency_ms, new_mission, new_agent_mission)"
              + " SELECT concat(m, '/s', toString(number % 5), '/1'), 'default', m, concat('s', toString(number % 5)), 1,"
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
              + (now - span)
              + " + intDiv(number * "
              + span
              + ", "
              + rawRows
              + ")) AS ts"
              + " FROM system.numbers LIMIT "
              + rawRows
              + ")");
      // What the windows write for these rows (one version per window).
      ch.execute(
          "INSERT INTO cost_rollup_1m (workspace_id, window_start, agent, model, slice, steps, missions,"
              + " agent_missions, errors, prompt_tokens, output_tokens, thinking_tokens, cached_tokens, cost_micros,"
              + " latency_sum_ms, latency_max_ms, version)"
              + " SELECT workspace_id, toStartOfMinute(finished_at) AS w, agent, model, '', count(), sum(new_mission),"
              + " sum(new_agent_mission), countIf(succeeded = 0), sum(prompt_tokens), sum(output_tokens),"
              + " sum(thinking_tokens), sum(cached_tokens), sum(cost_micros), sum(latency_ms), max(latency_ms), count()"
              + " FROM cost_records WHERE finished_at < toDateTime("
              + (now / 60 * 60 - 60)
              + ")"
              + " GROUP BY workspace_id, w, agent, model");
      ch.execute("OPTIMIZE TABLE cost_rollup_1m FINAL");
      double loadSeconds = (System.nanoTime() - t0) / 1e9;
      // The queries are timed once the server has merged the fresh parts (ten million rows take it
      // tens of seconds
      // on two cores): a table in service has its parts merged, and queries timed during the merges
      // measured them.
      long settleStart = System.nanoTime();
      int quiet = 0;
      while (quiet < 3 && System.nanoTime() - settleStart < 300_000_000_000L) {
        Thread.sleep(1000);
        quiet =
            one(ch, "SELECT count() FROM system.merges WHERE database = '" + database + "'") == 0
                ? quiet + 1
                : 0;
      }
      double settleSeconds = (System.nanoTime() - settleStart) / 1e9;
      long rollupRows = one(ch, "SELECT count() FROM cost_rollup_1m");

      CostAnalytics analytics = new CostAnalytics(ch, Clock.systemUTC());
      CostQuery query =
          CostQuery.parse(
              "default",
              Instant.ofEpochSecond(now - span - 60).toString(),
              Instant.ofEpochSecond(now + 60).toString(),
              null,
              null,
              Instant.now());
      List<Long> apiMs = new ArrayList<>();
      long apiTotal = 0;
      for (int i = 0; i < 22; i++) {
        long s = System.nanoTime();
        apiTotal =
            analytics.agentCosts(query, null).stream().mapToLong(r -> r.totalCostMicros()).sum();
        if (i >= 2) {
          apiMs.add((System.nanoTime() - s) / 1_000_000);
        }
      }
      List<Long> finalMs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        long s = System.nanoTime();
        ch.query(
            "SELECT agent, sum(cost_micros) AS c, count() AS n, uniqExact(mission_id) AS m FROM cost_records"
                + " FINAL WHERE workspace_id = 'default' GROUP BY agent");
        if (i >= 1) {
          finalMs.add((System.nanoTime() - s) / 1_000_000);
        }
      }
      long rawTotal = one(ch, "SELECT sum(cost_micros) FROM cost_records");
      return String.format(
          Locale.ROOT,
          "\"breakdown\": {\"rawRows\": %d, \"rollupRows\": %d, \"loadSeconds\": %.1f,"
              + " \"mergeSettleSeconds\": %.1f, \"apiQueryMs\": {\"p50\": %d, \"p95\": %d},"
              + " \"finalOverRawMs\": {\"p50\": %d}, \"apiTotalMatchesRaw\": %b}",
          rawRows,
          rollupRows,
          loadSeconds,
          settleSeconds,
          pct(apiMs, 50),
          pct(apiMs, 95),
          pct(finalMs, 50),
          apiTotal == rawTotal);
    } finally {
      if (System.getenv("GPILOT_BENCH_KEEP") == null) {
        ch.withDatabase(null).execute("DROP DATABASE IF EXISTS " + database);
      }
    }
  }

  // -------------------------------------------------------------------------------------------------- missions

  static String missions(String clickhouse, int missions) throws Exception {
    // All runs in this JVM, each with a broker, a database and a job of its own. Broker, job and
    // driver share the
    // JVM on two busy cores, and its JIT compiler takes minutes to get through their hot code (a
    // third of the CPU
    // for the first 50,000 missions); a fresh JVM per run measured the compiler, which has more to
    // compile with the
    // cost pipeline. So runs of both configurations warm the JVM up until the last of each spent
    // under JIT_QUIET of
    // its time compiling, and only then are runs measured.
    // Even then a run's rate moves by 10-20 % from one run to the next, for both configurations
    // alike (the
    // machine's pace drifts, and so do the batches that the brokers and consumers form under load).
    // The measured
    // runs come in blocks of four, without-with-with-without, then with-without-without-with: a
    // block's difference
    // (its two runs of each) is free of any drift that is steady over the block. The result is the
    // median of the
    // blocks' differences.
    // Every run leaves its database and checkpoints until the end. This machine's root ext4 has no
    // journal, and on
    // such a filesystem every file created in the 30 s after a deletion first steps over each
    // recently deleted
    // inode (perf: ext4_create -> recently_deleted): dropping a run's database (about 11,000 files,
    // most of them
    // the summaries' and events' parts) right before the next run made that run's every new file,
    // and so every
    // ClickHouse insert and RocksDB flush, several times dearer, and the more so the more files the
    // run creates.
    // No database in service drops ten thousand files every half minute; ClickHouse deletes merged
    // parts 8
    // minutes later at the pace it made them, which these runs still see from the runs before them.
    try (RunLeftovers leftovers = new RunLeftovers(clickhouse, "bench_costs_missions_")) {
      return missions(clickhouse, missions, leftovers);
    }
  }

  private static String missions(String clickhouse, int missions, RunLeftovers leftovers)
      throws Exception {
    int warmupRuns = 0;
    double[] lastJit = {1, 1}; // the last warm-up run's JIT share, without and with the pipeline
    while ((lastJit[0] > JIT_QUIET || lastJit[1] > JIT_QUIET) && warmupRuns < MAX_WARMUP_RUNS) {
      boolean costs = warmupRuns++ % 2 == 1;
      lastJit[costs ? 1 : 0] = missionRun(clickhouse, missions, costs, leftovers).jitShare();
    }
    List<String> blocks = new ArrayList<>();
    List<Double> differences = new ArrayList<>();
    List<Double> cpuDifferences = new ArrayList<>();
    List<MissionRun> with = new ArrayList<>();
    List<MissionRun> without = new ArrayList<>();
    for (int block = 0; block < Integer.getInteger("bench.blocks", MISSION_BLOCKS); block++) {
      List<MissionRun> blockWith = new ArrayList<>();
      List<MissionRun> blockWithout = new ArrayList<>();
      boolean outer = block % 2 == 1;
      for (boolean costs : new boolean[] {outer, !outer, !outer, outer}) {
        (costs ? blockWith : blockWithout).add(missionRun(clickhouse, missions, costs, leftovers));
      }
      double wo = mean(blockWithout, MissionRun::perSecond);
      double w = mean(blockWith, MissionRun::perSecond);
      double cwo = mean(blockWithout, MissionRun::machineMsPerMission);
      double cw = mean(blockWith, MissionRun::machineMsPerMission);
      differences.add(100.0 * (wo - w) / wo);
      cpuDifferences.add(100.0 * (cw - cwo) / cwo);
      blocks.add(
          String.format(
              Locale.ROOT,
              "{\"withoutPerSecond\": %s, \"withPerSecond\": %s,"
                  + " \"differencePercent\": %.1f, \"machineCpuDifferencePercent\": %.1f}",
              rates(blockWithout),
              rates(blockWith),
              differences.get(block),
              cpuDifferences.get(block)));
      with.addAll(blockWith);
      without.addAll(blockWithout);
    }
    return String.format(
        Locale.ROOT,
        "\"missions\": {\"missionsPerRun\": %d, \"warmupRuns\": %d,"
            + " \"stepsPerMission\": 3, \"inFlight\": 500, \"blocks\": [%s],"
            + " \"withoutCostsPerSecond\": %.1f, \"withCostsPerSecond\": %.1f, \"differencePercent\": %.1f,"
            + " \"machineCpuMsPerMissionWithout\": %.3f, \"machineCpuMsPerMissionWith\": %.3f,"
            + " \"machineCpuDifferencePercent\": %.1f, \"jvmCpuMsPerMissionWithout\": %.3f,"
            + " \"jvmCpuMsPerMissionWith\": %.3f, \"costThreadsCpuMsPerMission\": %.3f}",
        missions,
        warmupRuns,
        String.join(", ", blocks),
        mean(without, MissionRun::perSecond),
        mean(with, MissionRun::perSecond),
        median(differences),
        mean(without, MissionRun::machineMsPerMission),
        mean(with, MissionRun::machineMsPerMission),
        median(cpuDifferences),
        mean(without, MissionRun::jvmMsPerMission),
        mean(with, MissionRun::jvmMsPerMission),
        mean(with, MissionRun::costThreadsMsPerMission));
  }

  private static String rates(List<MissionRun> runs) {
    return runs.stream()
        .map(r -> String.format(Locale.ROOT, "%.1f", r.perSecond()))
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private static double mean(List<MissionRun> runs, ToDoubleFunction<MissionRun> value) {
    return runs.stream().mapToDouble(value).average().orElseThrow();
  }

  /**
   * A broker, a database and the job with or without the cost pipeline, {@value #RUN_WARMUP}
   * missions to fill them, then {@code total} missions timed: returns their missions/s and the CPU
   * used per mission.
   */
  static MissionRun missionRun(String clickhouse, int total, boolean costs, RunLeftovers leftovers)
      throws Exception {
    KafkaTestBroker kafka = new KafkaTestBroker();
    kafka.beforeAll(null);
    String database = leftovers.newDatabase();
    ClickHouseClient ch = new ClickHouseClient(clickhouse, database, Duration.ofMinutes(5));
    ClickHouseMigrations.apply(ch);
    Path checkpoints = leftovers.newDirectory();
    JobClient job = null;
    try {
      MissionJobOptions options =
          MissionJobOptions.of(kafka.bootstrapServers(), clickhouse, database);
      options = options.withCosts(options.costs().withEnabled(costs));
      job =
          LocalMissionJob.start(
              new MissionJob(options), LocalMissionJob.localConfiguration(checkpoints, 2, 0, 2000));
      try (MissionLoad load = new MissionLoad(kafka.bootstrapServers(), 500)) {
        load.run(RUN_WARMUP);
        Phase timed = load.run(total);
        MissionRun run =
            new MissionRun(
                timed.perSecond(),
                timed.machine().busyMs() / total,
                timed.cpuNanos() / 1e6 / total,
                timed.threads().nanos(CostBenchmark::costOnly) / 1e6 / total,
                timed.jitShare());
        System.err.printf(
            Locale.ROOT,
            "missions %s the cost pipeline: %.1f/s (JIT %.0f %% of the time); CPU per"
                + " mission: %.3f ms all processes (%.1f %% busy, %.1f %% steal), %.3f ms this JVM, %.3f ms cost"
                + " threads%n",
            costs ? "with" : "without",
            run.perSecond(),
            100 * run.jitShare(),
            run.machineMsPerMission(),
            timed.machine().busyPercent(),
            timed.machine().stealPercent(),
            run.jvmMsPerMission(),
            run.costThreadsMsPerMission());
        if (Boolean.getBoolean("bench.threads")) {
          System.err.printf(
              Locale.ROOT,
              "ClickHouse %.3f ms/mission, this JVM outside the threads"
                  + " listed %.3f ms/mission; CPU by thread role:%n%s%n",
              timed.clickhouseMs() / total,
              (timed.cpuNanos() - timed.threads().nanos(role -> true)) / 1e6 / total,
              timed.threads().top(40, total, "mission"));
        }
        return run;
      }
    } finally {
      if (job != null) {
        job.cancel().get();
      }
      kafka.afterAll(null);
    }
  }

  /**
   * Threads that run cost operators only. The step-results source's threads, which the scheduler
   * and the cost pipeline share, are not among them: what the pipeline adds there shows only in the
   * machine's and JVM's CPU.
   */
  static boolean costOnly(String role) {
    return role.contains("cost-") && !role.contains("step-results-input");
  }

  /**
   * The databases (named {@code prefix<n>}) and checkpoint directories of a part's runs, dropped
   * and deleted when the part ends (and those of an earlier benchmark that did not end, when it
   * starts).
   */
  private static final class RunLeftovers implements AutoCloseable {
    private final String prefix;
    private final ClickHouseClient server;
    private final List<Path> directories = new ArrayList<>();
    private int databases;

    RunLeftovers(String clickhouse, String prefix) {
      this.prefix = prefix;
      server = new ClickHouseClient(clickhouse, null, Duration.ofMinutes(5));
      dropDatabases();
    }

    String newDatabase() {
      return prefix + databases++;
    }

    private void dropDatabases() {
      for (JsonNode row :
          server.query("SELECT name FROM system.databases WHERE name LIKE '" + prefix + "%'")) {
        server.execute("DROP DATABASE IF EXISTS " + row.get("name").asText());
      }
    }

    Path newDirectory() throws IOException {
      directories.add(Files.createTempDirectory("bench-chk"));
      return directories.get(directories.size() - 1);
    }

    @Override
    public void close() throws Exception {
      dropDatabases();
      for (Path directory : directories) {
        org.apache.commons.io.FileUtils.deleteDirectory(directory.toFile());
      }
    }
  }

  /**
   * Keeps {@code inFlight} 3-step missions (scripted usage and cost) running, for as many as asked
   * at a time.
   */
  static final class MissionLoad implements AutoCloseable {
    private final JsonCodec<MissionSubmitted> submitted = JsonCodec.of(MissionSubmitted.class);
    private final JsonCodec<MissionEvent> events = JsonCodec.of(MissionEvent.class);
    private final MissionConfig config;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final int inFlight;
    private final Set<String> running = new HashSet<>();

    MissionLoad(String bootstrap, int inFlight) {
      this.inFlight = inFlight;
      List<PlanStep> steps = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ObjectNode parameters = Json.mapper().createObjectNode();
        ObjectNode simulate =
            parameters.putObject("simulate").put("model", MODELS[i]).put("costMicros", 1234 + i);
        simulate.putObject("usage").put("promptTokens", 1000).put("outputTokens", 100);
        steps.add(
            new PlanStep(
                "s" + i,
                AGENTS[i],
                "work",
                parameters,
                i == 0 ? List.of() : List.of("s" + (i - 1)),
                null,
                null,
                null));
      }
      config = new MissionConfig(List.of(), new Plan(steps), null, null, null, null, null);
      Properties pp = new Properties();
      pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
      Properties cp = new Properties();
      cp.put("bootstrap.servers", bootstrap);
      cp.put("group.id", "bench-" + UUID.randomUUID());
      cp.put("auto.offset.reset", "earliest");
      TopicAdmin.ensureTopics(bootstrap);
      producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer());
      consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      consumer.subscribe(List.of(Topics.MISSION_EVENTS));
      // One mission through the whole loop before anything is measured.
      running.add(send());
      producer.flush();
      while (!running.isEmpty()) {
        poll(Duration.ofMillis(100));
      }
    }

    /** Runs {@code total} missions to their end; returns their missions/s and what they cost. */
    Phase run(int total) {
      CpuMark start = CpuMark.now();
      int sent = 0;
      int done = 0;
      while (done < total) {
        while (running.size() < inFlight && sent < total) {
          running.add(send());
          sent++;
        }
        producer.flush();
        done += poll(Duration.ofMillis(50));
      }
      return CpuMark.now().since(start, total);
    }

    /** Polls the mission events once; returns how many of the running missions ended. */
    private int poll(Duration timeout) {
      int ended = 0;
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
        MissionEvent e = events.decode(r.value());
        if (e.isFinal() && running.remove(e.missionId())) {
          ended++;
        }
      }
      return ended;
    }

    private String send() {
      String id = UUID.randomUUID().toString();
      producer.send(
          new ProducerRecord<>(
              Topics.MISSIONS,
              id,
              submitted.encode(
                  new MissionSubmitted(
                      id,
                      "default",
                      System.currentTimeMillis(),
                      "benchmark",
                      config,
                      null,
                      null,
                      "bench"))));
      return id;
    }

    @Override
    public void close() {
      producer.close();
      consumer.close();
    }
  }

  /**
   * One mission run's timed missions/s, the CPU per mission: the machine's (every process), the
   * JVM's (broker, job, driver) and that of the cost pipeline's threads, and the share of the time
   * the JIT compiler was busy.
   */
  record MissionRun(
      double perSecond,
      double machineMsPerMission,
      double jvmMsPerMission,
      double costThreadsMsPerMission,
      double jitShare) {}

  /**
   * Missions run by {@link MissionLoad#run}: missions/s, the CPU time of this process, the share of
   * the time the JIT compiler was busy (its threads' time over the wall time), the machine's and
   * the threads' CPU.
   */
  record Phase(
      double perSecond,
      long cpuNanos,
      double jitShare,
      MachineCpu.Usage machine,
      ThreadCpu.Usage threads,
      double clickhouseMs) {}

  /**
   * The CPU time this JVM, its threads and JIT compiler, the machine and ClickHouse had used at one
   * moment.
   */
  record CpuMark(
      long nanos,
      long cpuNanos,
      long jitMs,
      ThreadCpu threads,
      MachineCpu machine,
      long clickhouseTicks) {
    static CpuMark now() {
      var os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      return new CpuMark(
          System.nanoTime(),
          os.getProcessCpuTime(),
          ManagementFactory.getCompilationMXBean().getTotalCompilationTime(),
          ThreadCpu.now(),
          MachineCpu.now(),
          MachineCpu.processTicks("clickhouse-serv"));
    }

    /**
     * What was used from {@code earlier} to this mark, in which {@code units} (missions, rows) were
     * done.
     */
    Phase since(CpuMark earlier, long units) {
      double wallNanos = nanos - earlier.nanos;
      return new Phase(
          units / (wallNanos / 1e9),
          cpuNanos - earlier.cpuNanos,
          (jitMs - earlier.jitMs) / (wallNanos / 1e6),
          machine.since(earlier.machine),
          threads.since(earlier.threads),
          (clickhouseTicks - earlier.clickhouseTicks) * (double) MachineCpu.TICK_MS);
    }
  }

  // ---------------------------------------------------------------------------------------------------- helpers

  private static long one(ClickHouseClient ch, String sql) {
    return ch.query(sql).get(0).fields().next().getValue().asLong();
  }

  private static long serverEvent(ClickHouseClient ch, String event) {
    var rows = ch.query("SELECT value FROM system.events WHERE event = '" + event + "'");
    return rows.isEmpty() ? 0 : rows.get(0).get("value").asLong();
  }

  private static long pct(List<Long> values, int p) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(Long::compare);
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p / 100.0 * sorted.size()) - 1));
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(Double::compare);
    return sorted.size() % 2 == 1
        ? sorted.get(sorted.size() / 2)
        : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
  }

  private CostBenchmark() {}
}
