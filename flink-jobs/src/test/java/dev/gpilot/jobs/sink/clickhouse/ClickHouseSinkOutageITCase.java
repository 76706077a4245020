package dev.gpilot.jobs.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.jobs.costs.CostRows;
import dev.gpilot.jobs.costs.TaggedCost;
import dev.gpilot.jobs.costs.TaggedCostSerializer;
import dev.gpilot.testing.ClickHouseTestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource.NumberSequenceSplit;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ClickHouse sink through ClickHouse outages, on real parts: a Flink job on a MiniCluster
 * (checkpoints every 500 ms) writes cost records into the real {@code cost_records} table of the
 * test ClickHouse, through a {@link TcpFaultProxy} that makes the server unreachable for the sink
 * on demand.
 *
 * <p>What a user of the tables would check: while ClickHouse is unreachable the job keeps running,
 * retries, holds its source back (backpressure) and completes no checkpoint that covers rows it has
 * not written; when ClickHouse is back, every row is there, counted once by the table's documented
 * reads ({@code FINAL}, or one row per {@code id}), and the money adds up to the micro-credit, also
 * when a batch was written twice because its answer was lost.
 */
class ClickHouseSinkOutageITCase {
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  /**
   * Far more than the network buffers between source and sink hold; not a whole number of batches.
   */
  private static final int ROWS = 20_500;

  private static final int BATCH_ROWS = 1_000;
  private static final long FIRST_FINISH_MS = Instant.parse("2026-01-15T10:00:00Z").toEpochMilli();
  private static final TypeInformation<TaggedCost> TAGGED = TaggedCostSerializer.TYPE;
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseSinkOutageITCase.class);

  /**
   * Per test: how many rows the source may emit, and what the probe saw (the MiniCluster runs in
   * this JVM).
   */
  private static final Map<String, RowGate> GATES = new ConcurrentHashMap<>();

  private static final Map<String, ProbeCounts> PROBES = new ConcurrentHashMap<>();

  @Test
  void
      clickHouseDownBeforeTheFirstInsert_jobBackpressuresAndKeepsEveryRow_eachCountedOnceWhenItIsBack()
          throws Exception {
    // No flush by time here (an hour): the last 500 rows, less than a batch, land only when a
    // checkpoint flushes.
    try (Outage run = Outage.start("ws-down-first", true, Duration.ofHours(1))) {
      // The writer is up (it migrated the schema through the proxy): now ClickHouse becomes
      // unreachable.
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(run.metrics("\\.clickhouseRetries$")).isNotEmpty());
      run.proxy.down();
      run.gate.release(ROWS);

      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                run.assertRunningWithoutRestart();
                run.assertSinkRetries();
                run.assertRefusedAndBackpressured();
                assertThat(run.probe.maxPassedAtCheckpoint())
                    .as("rows before the pending checkpoint's barrier")
                    .isPositive();
              });
      run.log("down");
      assertThat(run.totals().rows()).as("rows in ClickHouse while it was unreachable").isZero();
      assertThat(run.probe.passed.get()).as("rows the source emitted: held back").isLessThan(ROWS);
      assertThat(run.probe.covered.get()).as("rows covered by a completed checkpoint").isZero();
      run.assertRunningWithoutRestart();

      run.upAndEveryRowLandsOnce();
    }
  }

  @Test
  void clickHouseGoesDownMidInsertAfterRowsLanded_theResentBatchCountsOnce_andTotalsStayExact()
      throws Exception {
    int first = 8_000;
    try (Outage run = Outage.start("ws-down-midway", true, Duration.ofMillis(200))) {
      run.gate.release(first);
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                assertThat(run.totals()).isEqualTo(Totals.expected(first));
                assertThat(run.counter("\\.numRecordsSend$"))
                    .as("rows the sink sent")
                    .isEqualTo(first);
              });

      // The next insert reaches ClickHouse and is written, its answer is lost, and ClickHouse stays
      // unreachable.
      run.proxy.downAfterNextAnswer();
      run.gate.release(ROWS - first);
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                run.assertRunningWithoutRestart();
                assertThat(run.proxy.droppedAnswers()).hasSize(1);
                run.assertSinkRetries();
                run.assertRefusedAndBackpressured();
              });
      run.log("down");
      assertThat(run.proxy.droppedAnswers().get(0))
          .as("ClickHouse's answer to the lost insert")
          .startsWith("HTTP/1.1 200");
      long covered = run.probe.covered.get();
      Totals landed = run.totals();
      assertThat(landed.rows()).as("the insert whose answer was lost landed").isGreaterThan(first);
      assertThat(landed.rows()).isLessThan(ROWS);
      assertThat(covered)
          .as("no checkpoint covers rows that are not in ClickHouse")
          .isLessThanOrEqualTo(landed.rows());
      assertThat(run.probe.passed.get()).as("rows the source emitted: held back").isLessThan(ROWS);
      run.assertRunningWithoutRestart();

      // The sink re-sent the lost batch: ClickHouse received ROWS + (landed - first) rows and
      // counts ROWS.
      run.upAndEveryRowLandsOnce();
      // Merged, the table itself holds one row per id: readers without FINAL see each once too.
      CLICKHOUSE.client().execute("OPTIMIZE TABLE " + CostRows.RAW_TABLE + " FINAL");
      assertThat(run.plainRowCount()).isEqualTo(ROWS);
      run.assertRunningWithoutRestart();
    }
  }

  /**
   * ClickHouse unreachable from the start: the writer starts anyway (the schema migrations run
   * before its first insert, inside the insert's retries), the job waits, backpressured, and every
   * row lands once it is back.
   */
  @Test
  void clickHouseDownWhenTheJobStarts_jobWaitsRunning_andEveryRowLandsOnceWhenItIsBack()
      throws Exception {
    try (Outage run = Outage.start("ws-down-at-start", false, Duration.ofMillis(200))) {
      run.gate.release(ROWS);
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                run.assertRunningWithoutRestart();
                run.assertRefusedAndBackpressured();
              });
      assertThat(run.totals().rows()).as("rows in ClickHouse while it was unreachable").isZero();
      assertThat(run.probe.covered.get()).as("rows covered by a completed checkpoint").isZero();

      run.upAndEveryRowLandsOnce();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  /**
   * One job writing one workspace's rows through its own proxy; closing it cancels the job and
   * stops the proxy.
   */
  private static final class Outage implements AutoCloseable {
    final String workspace;
    final TcpFaultProxy proxy;
    final RowGate gate = new RowGate();
    final ProbeCounts probe = new ProbeCounts();
    final InMemoryReporter reporter = InMemoryReporter.create();
    final ClickHouseClient clickhouse = CLICKHOUSE.client();
    JobClient job;

    private Outage(String workspace, boolean proxyUp) throws Exception {
      this.workspace = workspace;
      this.proxy = TcpFaultProxy.forUrl(CLICKHOUSE.url(), proxyUp);
    }

    /**
     * Brings ClickHouse back and waits until every row is there exactly once (with and without
     * FINAL), a checkpoint covers all of them (so the sink has had the answer to each of its
     * inserts), the sink counted each row once, and the job ran through without a restart.
     */
    void upAndEveryRowLandsOnce() throws Exception {
      proxy.up();
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(totals()).isEqualTo(Totals.expected(ROWS)));
      assertThat(totalsOnePerId()).isEqualTo(Totals.expected(ROWS));
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(probe.covered.get()).isEqualTo(ROWS));
      log("back");
      assertThat(counter("\\.numRecordsSend$"))
          .as("rows the sink sent, each once however often retried")
          .isEqualTo(ROWS);
      assertRunningWithoutRestart();
    }

    /**
     * Starts the job; the sink flushes at {@link #BATCH_ROWS}, every {@code flushInterval} and on
     * checkpoints.
     */
    static Outage start(String workspace, boolean proxyUp, Duration flushInterval)
        throws Exception {
      Outage run = new Outage(workspace, proxyUp);
      GATES.put(workspace, run.gate);
      PROBES.put(workspace, run.probe);
      try {
        run.job = run.submit(flushInterval);
      } catch (Exception | Error e) {
        run.close();
        throw e;
      }
      return run;
    }

    private JobClient submit(Duration flushInterval) throws Exception {
      Configuration conf = new Configuration();
      conf.setString("parallelism.default", "1");
      conf.setString("execution.checkpointing.interval", "500 ms");
      // A failed task fails the job here, so the test sees it (the real job restarts; that would
      // hide it).
      conf.setString("restart-strategy.type", "none");
      conf.setString("pipeline.generic-types", "false");
      reporter.addToConfiguration(conf);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);

      // Retry pauses of at most 500 ms (the job's are 10 s) keep the test short.
      ClickHouseSinkOptions options =
          new ClickHouseSinkOptions(
              proxy.url(),
              CLICKHOUSE.database(),
              BATCH_ROWS,
              flushInterval,
              Duration.ofMillis(500));
      env.fromSource(
              new DataGeneratorSource<>(
                  new CostRowGenerator(workspace),
                  Long.MAX_VALUE,
                  new GatedRate(workspace),
                  TAGGED),
              WatermarkStrategy.noWatermarks(),
              "cost-rows")
          .map(new CheckpointProbe(workspace))
          .returns(TAGGED)
          .name("checkpoint-probe")
          .sinkTo(new ClickHouseSink<>(options, CostRows.RAW_TABLE, CostRows.RAW))
          .name("cost-records-clickhouse")
          // Its own task, as in the MissionJob: a blocked insert backpressures the source through
          // the network.
          .disableChaining();
      return env.executeAsync("clickhouse-sink-outage-" + workspace);
    }

    /** The job is RUNNING and its tasks never restarted (the source's map was opened once). */
    void assertRunningWithoutRestart() throws Exception {
      JobStatus status;
      try {
        status = job.getJobStatus().get(30, TimeUnit.SECONDS);
      } catch (IllegalStateException | ExecutionException e) {
        status = null; // a job that failed took its MiniCluster down with it
      }
      if (status != JobStatus.RUNNING) {
        Throwable failure =
            job.getJobExecutionResult().handle((r, e) -> e).get(30, TimeUnit.SECONDS);
        Throwable root = failure;
        while (root != null && root.getCause() != null) {
          root = root.getCause();
        }
        throw new AssertionError(
            "job is "
                + (status == null ? "over" : status)
                + ": "
                + (failure == null
                    ? "no failure"
                    : root + "\n" + ExceptionUtils.stringifyException(failure)));
      }
      assertThat(probe.opens.get()).as("times the tasks were started").isEqualTo(1);
    }

    /** The sink retried its insert at least five times. */
    void assertSinkRetries() {
      assertThat(counter("\\.clickhouseRetries$")).as("sink retries").isGreaterThanOrEqualTo(5);
    }

    /**
     * ClickHouse unreachable for the sink: it tried at least five connections, and the source task
     * is backpressured.
     */
    void assertRefusedAndBackpressured() {
      assertThat(proxy.refusedConnections())
          .as("connections the sink tried")
          .isGreaterThanOrEqualTo(5);
      assertThat(sourceBackPressured()).as("source task backpressured").isTrue();
    }

    /** What the test saw, in target/test.log next to the sink's own retry warnings. */
    void log(String phase) {
      LOG.info(
          "{} {}: source emitted {} of {} released rows, sink retries {}, connections refused {}, rows written "
              + "{}, rows covered by the newest completed checkpoint {}, ClickHouse {}",
          workspace,
          phase,
          probe.passed.get(),
          gate.released(),
          counter("\\.clickhouseRetries$"),
          proxy.refusedConnections(),
          counter("\\.numRecordsSend$"),
          probe.covered.get(),
          totals());
    }

    Map<String, Metric> metrics(String identifierPattern) {
      return reporter.findMetrics(job.getJobID(), identifierPattern);
    }

    long counter(String identifierPattern) {
      return metrics(identifierPattern).values().stream()
          .mapToLong(m -> ((Counter) m).getCount())
          .sum();
    }

    /** Flink's own view: the source task cannot hand its output on. */
    boolean sourceBackPressured() {
      Map<String, Metric> gauges = metrics("cost-rows.*\\.isBackPressured$");
      assertThat(gauges).as("the source task's isBackPressured gauge").hasSize(1);
      return Boolean.TRUE.equals(((Gauge<?>) gauges.values().iterator().next()).getValue());
    }

    /** The table read as it documents: {@code FINAL} (one row per key, re-sent rows replaced). */
    Totals totals() {
      return Totals.of(
          clickhouse
              .query(
                  "SELECT count() AS n, uniqExact(id) AS ids, sum(cost_micros) AS cost FROM "
                      + CostRows.RAW_TABLE
                      + " FINAL WHERE workspace_id = '"
                      + workspace
                      + "'")
              .get(0));
    }

    /** The table read as the analytics API reads recent raw rows: one row per id, without FINAL. */
    Totals totalsOnePerId() {
      return Totals.of(
          clickhouse
              .query(
                  "SELECT count() AS n, uniqExact(id) AS ids, sum(cost) AS cost FROM (SELECT id,"
                      + " any(cost_micros) AS cost FROM "
                      + CostRows.RAW_TABLE
                      + " WHERE workspace_id = '"
                      + workspace
                      + "'"
                      + " GROUP BY id)")
              .get(0));
    }

    long plainRowCount() {
      return clickhouse
          .query(
              "SELECT count() AS n FROM "
                  + CostRows.RAW_TABLE
                  + " WHERE workspace_id = '"
                  + workspace
                  + "'")
          .get(0)
          .get("n")
          .asLong();
    }

    @Override
    public void close() throws Exception {
      try {
        if (job != null) {
          job.cancel().get(60, TimeUnit.SECONDS);
        }
      } catch (ExecutionException | IllegalStateException e) {
        // The job is over already: a job that failed took its MiniCluster down with it.
      } finally {
        proxy.close();
        GATES.remove(workspace);
        PROBES.remove(workspace);
      }
    }
  }

  /** Rows, distinct ids and Σ cost_micros of one workspace. */
  record Totals(long rows, long ids, long costMicros) {
    static Totals of(JsonNode row) {
      return new Totals(row.get("n").asLong(), row.get("ids").asLong(), row.get("cost").asLong());
    }

    /** What the first {@code n} rows of the generator add up to. */
    static Totals expected(long n) {
      return new Totals(n, n, LongStream.range(0, n).map(CostRowGenerator::costMicros).sum());
    }
  }

  /** Row {@code i} of a workspace: a distinct attempt id, a cost that differs from row to row. */
  static final class CostRowGenerator implements GeneratorFunction<Long, TaggedCost> {
    private static final long serialVersionUID = 1L;
    private static final String[] AGENTS = {"agent-scout", "seo-analyst", "independent-verifier"};
    private final String workspace;

    CostRowGenerator(String workspace) {
      this.workspace = workspace;
    }

    static long costMicros(long i) {
      return 1 + (i * 7_919) % 250_000;
    }

    @Override
    public TaggedCost map(Long i) {
      long finishedAt = FIRST_FINISH_MS + i * 10;
      CostRecord record =
          new CostRecord(
              workspace,
              "m-" + i / 4,
              "s" + i % 4,
              1,
              AGENTS[(int) (i % 3)],
              "gemini-2.5-flash",
              i % 10 != 0,
              new Usage(1_000 + i % 500, 50, 10, 100),
              costMicros(i),
              "2026-01-15/gemini-2.5-flash",
              finishedAt - 500,
              finishedAt);
      return new TaggedCost(record, i % 4 == 0, i % 4 == 0);
    }
  }

  /**
   * Lets the source emit as many rows as the test released, without blocking its task while it
   * waits.
   */
  static final class RowGate {
    private long permits;
    private long released;
    private CompletableFuture<Void> waiting;

    synchronized long released() {
      return released;
    }

    synchronized CompletableFuture<Void> acquire() {
      if (permits > 0) {
        permits--;
        return CompletableFuture.completedFuture(null);
      }
      waiting = new CompletableFuture<>();
      return waiting;
    }

    void release(long rows) {
      CompletableFuture<Void> next = null;
      synchronized (this) {
        permits += rows;
        released += rows;
        if (waiting != null) {
          permits--;
          next = waiting;
          waiting = null;
        }
      }
      if (next != null) {
        next.complete(null);
      }
    }
  }

  /** The source's rate: one row per permit of the test's {@link RowGate}. */
  static final class GatedRate implements RateLimiterStrategy<NumberSequenceSplit> {
    private static final long serialVersionUID = 1L;
    private final String workspace;

    GatedRate(String workspace) {
      this.workspace = workspace;
    }

    @Override
    public RateLimiter<NumberSequenceSplit> createRateLimiter(int parallelism) {
      return new RateLimiter<>() {
        @Override
        public CompletionStage<Void> acquire(int rows) {
          return GATES.get(workspace).acquire();
        }
      };
    }
  }

  /**
   * What the probe saw: starts, rows passed on, and rows before the barrier of the newest completed
   * checkpoint.
   */
  static final class ProbeCounts {
    final AtomicInteger opens = new AtomicInteger();
    final AtomicLong passed = new AtomicLong();
    final AtomicLong covered = new AtomicLong();
    final Map<Long, Long> passedAtCheckpoint = new ConcurrentHashMap<>();

    long maxPassedAtCheckpoint() {
      return passedAtCheckpoint.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }
  }

  /**
   * Passes rows on (chained to the source) and records, per checkpoint, how many rows went before
   * its barrier. When a checkpoint completes, the sink has acknowledged its barrier, so
   * at-least-once means: every row before it is in ClickHouse.
   */
  static final class CheckpointProbe extends RichMapFunction<TaggedCost, TaggedCost>
      implements CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;
    private final String workspace;
    private transient ProbeCounts counts;

    CheckpointProbe(String workspace) {
      this.workspace = workspace;
    }

    @Override
    public void open(OpenContext context) {
      counts = PROBES.get(workspace);
      counts.opens.incrementAndGet();
    }

    @Override
    public TaggedCost map(TaggedCost row) {
      counts.passed.incrementAndGet();
      return row;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {}

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
      counts.passedAtCheckpoint.put(context.getCheckpointId(), counts.passed.get());
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      Long passed = counts.passedAtCheckpoint.get(checkpointId);
      if (passed != null) {
        counts.covered.accumulateAndGet(passed, Math::max);
      }
    }
  }
}
