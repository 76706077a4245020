package dev.gpilot.jobs.sink.clickhouse;

import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.jobs.costs.CostRows;
import dev.gpilot.jobs.costs.TaggedCost;
import dev.gpilot.jobs.costs.TaggedCostSerializer;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSinkOutageITCase.CostRowGenerator;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The ClickHouse sink alone: a Flink job on a MiniCluster pushes {@code rows} cost records (the
 * cost pipeline's raw rows, {@code RowBinary}, its own task as in the job) into {@code
 * cost_records} of a database of its own on {@code CLICKHOUSE_URL}, with the cost pipeline's batch
 * settings and checkpoints every 2 s. A warm-up run, then {@code runs} timed ones; each prints
 * rows/s from the job's start to its end (every row in ClickHouse: the sink flushes at the end of
 * input) and this JVM's CPU per row (generator, network, sink: steadier than the rate on a busy
 * machine), and checks that ClickHouse holds every row once.
 *
 * <p>Run (after {@code mvn -o -q -pl flink-jobs -am test-compile}; the class path from {@code mvn
 * -o -q -pl flink-jobs dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt}, with {@code
 * contracts/target/classes} and {@code contracts/target/test-classes} in place of the contracts
 * jars): {@code CLICKHOUSE_URL=http://127.0.0.1:28123 nice -n 19 java -cp <those>
 * ClickHouseSinkBenchmark [rows] [runs]} (the class in {@code dev.gpilot.jobs.sink.clickhouse}).
 */
public final class ClickHouseSinkBenchmark {
  private static final com.sun.management.OperatingSystemMXBean CPU =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private ClickHouseSinkBenchmark() {}

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    String url = System.getenv().getOrDefault("CLICKHOUSE_URL", "http://127.0.0.1:28123");
    String database = "bench_sink_" + ProcessHandle.current().pid();
    ClickHouseClient clickhouse = new ClickHouseClient(url, database, Duration.ofSeconds(60));
    System.out.printf(
        "clickhouse sink: %,d rows a run, %d timed runs after a warm-up, %s, load %s%n",
        rows, runs, url, load());
    List<Double> rates = new ArrayList<>();
    try {
      for (int run = 0; run <= runs; run++) {
        long n = run == 0 ? rows / 2 : rows;
        long cpu0 = CPU.getProcessCpuTime();
        double rate = run(url, database, clickhouse, "bench-" + run, n);
        double cpuPerRow = (CPU.getProcessCpuTime() - cpu0) / 1000.0 / n;
        System.out.printf(
            "%s: %,.0f rows/s, this JVM's CPU %.2f µs/row (load %s)%n",
            run == 0 ? "warm-up" : "run " + run, rate, cpuPerRow, load());
        if (run > 0) {
          rates.add(rate);
        }
      }
    } finally {
      new ClickHouseClient(url, null, Duration.ofSeconds(60))
          .execute("DROP DATABASE IF EXISTS " + database);
    }
    double[] sorted = rates.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    System.out.printf(
        "median %,.0f rows/s of %s%n",
        sorted[sorted.length / 2],
        Arrays.toString(rates.stream().mapToLong(Math::round).toArray()));
  }

  private static double run(
      String url, String database, ClickHouseClient clickhouse, String workspace, long rows)
      throws Exception {
    Configuration conf = new Configuration();
    conf.setString("parallelism.default", "1");
    conf.setString("execution.checkpointing.interval", "2 s");
    conf.setString("pipeline.generic-types", "false");
    conf.setString("restart-strategy.type", "none"); // a failure fails the benchmark
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
    // The cost pipeline's settings (CostOptions.DEFAULTS: 50,000 rows or 5 s).
    ClickHouseSinkOptions options =
        new ClickHouseSinkOptions(
            url, database, 50_000, Duration.ofSeconds(5), Duration.ofSeconds(10));
    env.fromSource(
            new DataGeneratorSource<>(
                new CostRowGenerator(workspace),
                rows,
                RateLimiterStrategy.noOp(),
                TaggedCostSerializer.TYPE),
            WatermarkStrategy.noWatermarks(),
            "cost-rows")
        .sinkTo(new ClickHouseSink<TaggedCost>(options, CostRows.RAW_TABLE, CostRows.RAW))
        .name("cost-records-clickhouse")
        .disableChaining();
    JobExecutionResult result = env.execute("clickhouse-sink-bench-" + workspace);
    long landed =
        clickhouse
            .query(
                "SELECT uniqExact(id) AS n FROM "
                    + CostRows.RAW_TABLE
                    + " WHERE workspace_id = '"
                    + workspace
                    + "'")
            .get(0)
            .get("n")
            .asLong();
    if (landed != rows) {
      throw new IllegalStateException(
          workspace + ": " + landed + " distinct rows in ClickHouse, expected " + rows);
    }
    return rows * 1000.0 / result.getNetRuntime();
  }

  private static String load() {
    return String.format(
        "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }
}
