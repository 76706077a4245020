package dev.gpilot.api.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.clickhouse.PriceVersions;
import dev.gpilot.contracts.TopicAdmin;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.agents.AgentCatalog;
import dev.gpilot.contracts.agents.ModelPrice;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.LocalMissionJob;
import dev.gpilot.jobs.MissionJob;
import dev.gpilot.jobs.MissionJobFlinkOptions;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.jobs.costs.CostPipeline;
import dev.gpilot.jobs.costs.CostReplayJob;
import dev.gpilot.testing.KafkaTestBroker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./gpilot bench replay}: re-pricing throughput in BATCH mode next to the live pipeline's
 * ingest rate, in the same run, per size. For each size: a broker of its own (this JVM) gets {@code
 * n} step results priced by the shipped table over the last hour (4 workspaces, the catalog's
 * agents, 5 attempts per mission); the live cost pipeline (streaming, parallelism 2, checkpoints
 * every 2 s, as {@code bench costs} runs it) writes them to a ClickHouse database of its own, timed
 * from its first raw row to the last; then {@link CostReplayJob} runs in a JVM of its own ({@code
 * -Xmx1g}, parallelism 2) with the live table, timed by its own progress line (from the job's
 * submission to the last row in ClickHouse) and by the process's wall clock; its peak resident
 * memory (VmHWM) is sampled. Exactness: the version's raw rows and rollups against the live ones,
 * by count, Σ cost and an order-independent hash of every row (raw: all columns; rollups: per
 * (workspace, minute, agent, model) summed over slices).
 *
 * <p>Arguments: clickhouseUrl outputFile [sizes=2000000,10000000]
 */
public final class ReplayBenchmark {
  private static final String PREFIX = "bench_replay_";
  private static final AgentCatalog CATALOG = AgentCatalog.shipped();
  private static final PriceTable PRICES = PriceTable.shipped();

  /**
   * The replay JVM's options beside its heap, as {@code ./gpilot replay costs} runs it: {@code
   * -Dgpilot.replay.jvmOptions} (set by {@code ./gpilot bench replay} from its {@code
   * replay_jvm_opts}), space-separated; none when unset.
   */
  private static final List<String> REPLAY_JVM_OPTIONS =
      java.util.Arrays.stream(
              System.getProperty("gpilot.replay.jvmOptions", "").strip().split(" +"))
          .filter(o -> !o.isEmpty())
          .toList();

  public static void main(String[] args) throws Exception {
    String clickhouse = args[0];
    Path output = Path.of(args[1]);
    List<Long> sizes = new ArrayList<>();
    for (String s : BenchMain.arg(args, 2, "2000000,10000000").split(",")) {
      sizes.add(Long.parseLong(s.strip()));
    }
    ClickHouseClient server = new ClickHouseClient(clickhouse, null, Duration.ofMinutes(10));
    dropLeftovers(server);
    List<String> runs = new ArrayList<>();
    try {
      for (long n : sizes) {
        runs.add(run(clickhouse, n, PREFIX + n));
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, json(runs));
      }
    } finally {
      dropLeftovers(server);
    }
    System.out.println(json(runs));
    System.out.println("saved " + output);
    System.exit(0);
  }

  private static String json(List<String> runs) {
    return String.format(
        Locale.ROOT,
        "{\"benchmark\": \"replay\", \"at\": \"%s\", \"cpus\": %d, \"replayJvmOptions\": \"%s\","
            + " \"runs\": [%s]}%n",
        Instant.now(),
        Runtime.getRuntime().availableProcessors(),
        String.join(" ", REPLAY_JVM_OPTIONS),
        String.join(", ", runs));
  }

  private static void dropLeftovers(ClickHouseClient server) {
    for (JsonNode row :
        server.query("SELECT name FROM system.databases WHERE name LIKE '" + PREFIX + "%'")) {
      server.execute("DROP DATABASE IF EXISTS " + row.get("name").asText());
    }
  }

  static String run(String clickhouse, long n, String database) throws Exception {
    KafkaTestBroker kafka = new KafkaTestBroker();
    kafka.beforeAll(null);
    Path checkpoints = Files.createTempDirectory("bench-replay-chk");
    try {
      ClickHouseClient ch = new ClickHouseClient(clickhouse, database, Duration.ofMinutes(10));
      ClickHouseMigrations.apply(ch);
      TopicAdmin.ensureTopics(kafka.bootstrapServers());
      long end = System.currentTimeMillis() / 60_000 * 60_000;
      long start = end - 3_600_000;
      long t0 = System.nanoTime();
      long total = generate(kafka.bootstrapServers(), n, start, end);
      double generateSeconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "%,d step results written in %.1f s (Σ %,d micro-credits)%n",
          n,
          generateSeconds,
          total);

      double liveRate = live(kafka.bootstrapServers(), clickhouse, database, n, total, checkpoints);
      System.out.printf(Locale.ROOT, "live pipeline: %,.0f rows/s%n", liveRate);

      String liveRaw = rawDigest(ch, "cost_records");
      String liveRollups = rollupDigest(ch, "cost_rollup_1m");
      List<String> replays = new ArrayList<>();
      for (boolean sorted : new boolean[] {true, false}) {
        String version = "bench-" + (sorted ? "sorted" : "unsorted");
        Replay replay;
        try {
          replay =
              replay(
                  kafka.bootstrapServers(),
                  clickhouse,
                  database,
                  Instant.ofEpochMilli(start),
                  Instant.ofEpochMilli(end),
                  version,
                  sorted);
        } catch (ReplayFailed e) {
          if (sorted) {
            throw e;
          }
          // The unsorted replay keeps a mission's state in the heap: past some millions of
          // attempts it may not fit in the 1 GB. Recorded as such; the sorted replay is the
          // measurement.
          System.out.printf(Locale.ROOT, "replay (sorted inputs false): %s%n", e.getMessage());
          replays.add(
              String.format(
                  Locale.ROOT,
                  "{\"sortedInputs\": false, \"failed\": \"%s\", \"heapMaxMb\": 1024}",
                  e.getMessage()));
          continue;
        }
        String replayRaw = rawDigest(ch, PriceVersions.rawTable(version));
        String replayRollups = rollupDigest(ch, PriceVersions.rollupTable(version));
        boolean exact = liveRaw.equals(replayRaw) && liveRollups.equals(replayRollups);
        System.out.printf(
            Locale.ROOT,
            "replay (sorted inputs %b): %,.0f records/s (job), %,.0f records/s (process),"
                + " %.2f x live, CPU %.1f s (%.1f µs/record), peak RSS %d MB, exact %b (raw %s / %s,"
                + " rollups %s / %s)%n",
            sorted,
            n / replay.jobSeconds(),
            n / replay.processSeconds(),
            (n / replay.jobSeconds()) / liveRate,
            replay.cpuSeconds(),
            replay.cpuSeconds() * 1e6 / n,
            replay.peakRssKb() / 1024,
            exact,
            liveRaw,
            replayRaw,
            liveRollups,
            replayRollups);
        replays.add(
            String.format(
                Locale.ROOT,
                "{\"sortedInputs\": %b, \"recordsPerSecond\": %.0f,"
                    + " \"processRecordsPerSecond\": %.0f, \"jobSeconds\": %.1f, \"processSeconds\": %.1f,"
                    + " \"ratioToLive\": %.2f, \"cpuSeconds\": %.1f, \"cpuMicrosPerRecord\": %.1f,"
                    + " \"peakRssMb\": %d, \"heapMaxMb\": 1024, \"exact\": %b, \"raw\": \"%s\","
                    + " \"rollups\": \"%s\"}",
                sorted,
                n / replay.jobSeconds(),
                n / replay.processSeconds(),
                replay.jobSeconds(),
                replay.processSeconds(),
                (n / replay.jobSeconds()) / liveRate,
                replay.cpuSeconds(),
                replay.cpuSeconds() * 1e6 / n,
                replay.peakRssKb() / 1024,
                exact,
                replayRaw,
                replayRollups));
      }
      return String.format(
          Locale.ROOT,
          "{\"stepResults\": %d, \"generateSeconds\": %.1f, \"liveRowsPerSecond\": %.0f,"
              + " \"liveRaw\": \"%s\", \"liveRollups\": \"%s\", \"loadAverage\": \"%s\", \"replays\": [%s]}",
          n,
          generateSeconds,
          liveRate,
          liveRaw,
          liveRollups,
          loadAverage(),
          String.join(", ", replays));
    } finally {
      kafka.afterAll(null);
    }
  }

  /** count / Σ cost / hash of every row (FINAL: one per key). */
  private static String rawDigest(ClickHouseClient ch, String table) {
    JsonNode r =
        ch.query(
                "SELECT count() AS n, sum(cost_micros) AS c, sum(cityHash64(id, workspace_id, mission_id,"
                    + " step_id, attempt, agent, model, succeeded, prompt_tokens, output_tokens, thinking_tokens, cached_tokens,"
                    + " cost_micros, price_version, started_at_ms, finished_at_ms, finished_at, latency_ms, new_mission,"
                    + " new_agent_mission)) AS h FROM "
                    + table
                    + " FINAL")
            .get(0);
    return r.get("n").asText() + "/" + r.get("c").asText() + "/" + r.get("h").asText();
  }

  private static String rollupDigest(ClickHouseClient ch, String table) {
    JsonNode r =
        ch.query(
                "SELECT count() AS n, sum(cost) AS c, sum(cityHash64(workspace_id, w, agent, model, s, m,"
                    + " am, e, p, o, t, cc, cost, l, lm)) AS h FROM (SELECT workspace_id, window_start AS w, agent, model,"
                    + " sum(steps) AS s, sum(missions) AS m, sum(agent_missions) AS am, sum(errors) AS e, sum(prompt_tokens) AS p,"
                    + " sum(output_tokens) AS o, sum(thinking_tokens) AS t, sum(cached_tokens) AS cc, sum(cost_micros) AS cost,"
                    + " sum(latency_sum_ms) AS l, max(latency_max_ms) AS lm FROM "
                    + table
                    + " FINAL"
                    + " GROUP BY workspace_id, w, agent, model)")
            .get(0);
    return r.get("n").asText() + "/" + r.get("c").asText() + "/" + r.get("h").asText();
  }

  /** n results over [start, end), priced by the shipped table at their finish, in finish order. */
  private static long generate(String bootstrap, long n, long start, long end) throws Exception {
    JsonCodec<StepResult> codec = JsonCodec.of(StepResult.class);
    Properties props = BenchMain.bulkProducer(bootstrap);
    List<String> agents = CATALOG.names();
    Map<String, ModelPrice> prices = new java.util.HashMap<>();
    AtomicLong failed = new AtomicLong();
    long total = 0;
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      String mission = null;
      for (long i = 0; i < n; i++) {
        if (i % 5 == 0) {
          mission = java.util.UUID.randomUUID().toString();
        }
        String agent = agents.get((int) ((i * 31 + i / 5) % agents.size()));
        long finished = start + (i * (end - start)) / n;
        Usage usage = new Usage(1000 + i % 5000, 200 + i % 300, i % 97, i % 700);
        // One entry per agent over the hour (the shipped table's entries start in 2025); looked up
        // once.
        ModelPrice price =
            prices.computeIfAbsent(
                agent,
                a ->
                    PRICES
                        .find(CATALOG.get(a).model(), Instant.ofEpochMilli(finished))
                        .orElseThrow());
        long cost = price.costMicros(usage);
        total += cost;
        boolean ok = i % 17 != 0;
        StepResult r =
            new StepResult(
                mission,
                "ws-" + (i % 4),
                "s" + (i % 5),
                1,
                agent,
                ok,
                ok ? Json.mapper().createObjectNode().put("text", "ok") : null,
                ok ? null : "boom",
                finished - 800,
                finished,
                CATALOG.get(agent).model(),
                usage,
                cost,
                price.priceVersion(),
                !ok);
        producer.send(
            new ProducerRecord<>(Topics.STEP_RESULTS, mission, codec.encode(r)),
            (m, e) -> {
              if (e != null) {
                failed.incrementAndGet();
              }
            });
      }
    }
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " step results were not written");
    }
    return total;
  }

  /**
   * The live pipeline until every row and the whole cost are in; its rows/s from the first row to
   * the last.
   */
  private static double live(
      String bootstrap, String clickhouse, String database, long n, long total, Path checkpoints)
      throws Exception {
    MissionJobOptions options =
        MissionJobOptions.fromEnv(
            Map.of(
                "KAFKA_BOOTSTRAP_SERVERS",
                bootstrap,
                "CLICKHOUSE_URL",
                clickhouse,
                "CLICKHOUSE_DATABASE",
                database,
                "GPILOT_JOB_GROUP_ID",
                "bench-live",
                "GPILOT_COST_IDLE_TIMEOUT_MS",
                "2000"));
    Configuration conf = LocalMissionJob.localConfiguration(checkpoints, 2, 0, 2000);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
    // The production job's Flink settings (RocksDB state, object reuse, ...), as `./gpilot up` runs
    // it.
    MissionJobFlinkOptions.applyTo(env);
    CostPipeline.attach(MissionJob.stepResults(env, options), options);
    JobClient job = env.executeAsync("bench-live-costs");
    ClickHouseClient ch = new ClickHouseClient(clickhouse, database, Duration.ofMinutes(5));
    long firstAt = 0;
    long firstCount = 0;
    long lastAt = 0;
    long count = 0;
    long deadline = System.currentTimeMillis() + 60 * 60_000;
    try {
      while (count < n && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
        long now = one(ch, "SELECT count() FROM cost_records");
        if (now != count) {
          lastAt = System.nanoTime();
          if (firstAt == 0) {
            firstAt = lastAt;
            firstCount = now;
          }
        }
        count = now;
      }
      while (one(ch, "SELECT sum(cost_micros) FROM cost_rollup_1m FINAL") != total
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(1000);
      }
    } finally {
      job.cancel().get();
    }
    if (count < n) {
      throw new IllegalStateException("only " + count + " of " + n + " rows arrived");
    }
    return (count - firstCount) / ((lastAt - firstAt) / 1e9);
  }

  /**
   * @param cpuSeconds the replay process's CPU time (user + system, all its threads, from its start
   *     to its exit: JVM start, job, ClickHouse inserts, the final counts)
   */
  record Replay(double jobSeconds, double processSeconds, long peakRssKb, double cpuSeconds) {}

  /**
   * CPU seconds of this JVM's children that have exited and been waited for (cutime + cstime of
   * /proc/self/stat): the replay process's own CPU time, from before its start to after its exit
   * (this JVM starts no other process).
   */
  private static double childrenCpuSeconds() throws java.io.IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // Fields 16 and 17 of proc(5), in clock ticks; after the command (field 2), index 0 is field 3.
    return (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) / (double) CLOCK_TICKS;
  }

  /** USER_HZ: 100 on every Linux that reports it through /proc (proc(5)). */
  private static final int CLOCK_TICKS = 100;

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  private static Replay replay(
      String bootstrap,
      String clickhouse,
      String database,
      Instant from,
      Instant to,
      String version,
      boolean sorted)
      throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(
            a ->
                a.startsWith("--add-opens")
                    || a.startsWith("--add-exports")
                    || a.startsWith("-Dlog4j2"))
        .forEach(command::add);
    command.addAll(REPLAY_JVM_OPTIONS);
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            CostReplayJob.class.getName(),
            "--from",
            from.toString(),
            "--to",
            to.toString(),
            "--as",
            version,
            "--sorted-inputs",
            String.valueOf(sorted),
            "--diff-file",
            Files.createTempFile("bench-replay", ".json").toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    builder.environment().put("CLICKHOUSE_URL", clickhouse);
    builder.environment().put("CLICKHOUSE_DATABASE", database);
    builder.environment().remove("GPILOT_PRICE_TABLE");
    double cpu0 = childrenCpuSeconds();
    long t0 = System.nanoTime();
    Process process = builder.start();
    AtomicLong peak = new AtomicLong();
    Thread sampler =
        new Thread(
            () -> {
              Path status = Path.of("/proc/" + process.pid() + "/status");
              while (process.isAlive()) {
                try {
                  for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmHWM:")) {
                      peak.accumulateAndGet(Long.parseLong(line.replaceAll("\\D", "")), Math::max);
                    }
                  }
                  Thread.sleep(250);
                } catch (Exception e) {
                  return;
                }
              }
            });
    sampler.setDaemon(true);
    sampler.start();
    double jobSeconds = Double.NaN;
    List<String> progress = new ArrayList<>();
    Pattern done = Pattern.compile("done in ([0-9.]+) s");
    boolean outOfHeap = false;
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (!line.startsWith("read ") || line.contains("done in")) {
          System.out.println("  | " + line);
        } else {
          progress.add(line);
        }
        if (line.contains("OutOfMemoryError")) {
          outOfHeap = true;
        }
        Matcher m = done.matcher(line);
        if (m.find()) {
          jobSeconds = Double.parseDouble(m.group(1));
        }
      }
    }
    int exit = process.waitFor();
    double processSeconds = (System.nanoTime() - t0) / 1e9;
    double cpuSeconds = childrenCpuSeconds() - cpu0;
    sampler.join();
    if (exit != 0) {
      throw new ReplayFailed(
          "the replay exited with "
              + exit
              + (outOfHeap ? " (out of heap: java.lang.OutOfMemoryError)" : ""));
    }
    // Every 10th progress line: where the time goes (reading vs the stages after it).
    for (int i = 0; i < progress.size(); i += 10) {
      System.out.println("  | " + progress.get(i));
    }
    return new Replay(jobSeconds, processSeconds, peak.get(), cpuSeconds);
  }

  /** A replay's process that did not exit 0. */
  static final class ReplayFailed extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    ReplayFailed(String message) {
      super(message);
    }
  }

  private static long one(ClickHouseClient ch, String sql) {
    List<JsonNode> rows = ch.query(sql);
    return rows.isEmpty() ? 0 : rows.get(0).fields().next().getValue().asLong();
  }
}
