package dev.gpilot.jobs.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gpilot.clickhouse.ClickHouseException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperatorFactory;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ClickHouse sink's writer in Flink's sink operator (the operator harness, on a task thread of
 * the test's own as Flink's mailbox model wants), writing to a target that records each insert's
 * rows and can hold or fail inserts: batches by rows and bytes, the in-flight limit and the
 * backpressure behind it, the flush on checkpoints, the retry of a failed insert with the same
 * rows, a rejected insert failing the task, and the writer state.
 */
class ClickHouseSinkWriterTest {
  private static final Map<String, Target> TARGETS = new ConcurrentHashMap<>();
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final ExecutorService task =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "sink-task"));
  private final Target target = new Target();
  private final String id = UUID.randomUUID().toString();
  private OneInputStreamOperatorTestHarness<String, ?> harness;

  @AfterEach
  void close() throws Exception {
    target.releaseAll();
    if (harness != null) {
      onTask(
          () -> {
            harness.close();
            return null;
          });
    }
    task.shutdownNow();
    TARGETS.remove(id);
  }

  @Test
  void aBatchGoesAtMaxBatchRows_theRestWhenACheckpointFlushes() throws Exception {
    start(options(3, 1));
    write("r0", "r1", "r2", "r3", "r4", "r5", "r6");
    checkpoint(1);

    assertThat(target.inserted())
        .containsExactly(List.of("r0", "r1", "r2"), List.of("r3", "r4", "r5"), List.of("r6"));
    assertThat(target.maxRunning.get()).isEqualTo(1);
  }

  @Test
  void aBatchGoesAtMaxBatchBytes_beforeItHasMaxBatchRows() throws Exception {
    // Rows of 4 bytes ("rN\n" plus one), at most 10 bytes an insert: two rows each.
    start(options(100, 1).withMaxBatchBytes(10));
    write("ra0", "ra1", "ra2", "ra3", "ra4");
    checkpoint(1);

    assertThat(target.inserted())
        .containsExactly(List.of("ra0", "ra1"), List.of("ra2", "ra3"), List.of("ra4"));
    assertThat(target.bodies).allSatisfy(body -> assertThat(body.length).isLessThanOrEqualTo(10));
  }

  @Test
  void aRowWaitsAtMostTheFlushInterval() throws Exception {
    start(options(100, 1));
    onTask(
        () -> {
          harness.setProcessingTime(1_000);
          return null;
        });
    write("r0", "r1");
    assertThat(target.attempts).isEmpty();

    onTask(
        () -> {
          harness.setProcessingTime(1_000 + Duration.ofHours(1).toMillis());
          return null;
        });
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(target.inserted()).containsExactly(List.of("r0", "r1")));
  }

  @Test
  void afterACheckpointsFlush_theNextBatchWaitsItsOwnInterval() throws Exception {
    long interval = Duration.ofHours(1).toMillis();
    start(options(100, 1));
    at(1_000);
    write("r0");
    at(1_500);
    checkpoint(1);
    at(1_600);
    write("r1");

    at(1_000 + interval); // the first row's deadline: its batch went with the checkpoint, r1's is
    // not due
    assertThat(target.inserted()).containsExactly(List.of("r0"));
    at(1_600 + interval);
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> assertThat(target.inserted()).containsExactly(List.of("r0"), List.of("r1")));
  }

  @Test
  void nothingBuffered_aCheckpointSendsNothing_andARowBiggerThanABatchFailsItsWrite()
      throws Exception {
    start(options(100, 1).withMaxBatchBytes(10));
    checkpoint(1);
    assertThat(target.attempts).isEmpty();

    assertThatThrownBy(() -> write("a row of more than ten bytes"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxRecordSizeInBytes");
  }

  @Test
  void atMostMaxInFlightInserts_thenOneBatchFills_thenWriteWaitsUntilAnInsertEnds()
      throws Exception {
    target.hold();
    start(options(2, 2));
    write("r0", "r1", "r2", "r3", "r4", "r5"); // two inserts running, one batch buffered
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(target.running.get()).isEqualTo(2));

    Future<?> blocked =
        task.submit(
            () -> {
              harness.processElement("r6", 0);
              return null;
            });
    Thread.sleep(300); // would be time enough to return: it must not (no insert has ended)
    assertThat(blocked).isNotDone();
    assertThat(target.attempts).hasSize(2);

    target.release(1); // one insert ends: the buffered batch goes, the row is added
    blocked.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(target.attempts).hasSize(3));
    assertThat(target.attempts.get(2)).isEqualTo(lines("r4", "r5"));
    assertThat(target.maxRunning.get()).isEqualTo(2);

    target.releaseAll();
    checkpoint(1);
    assertThat(target.inserted())
        .containsExactlyInAnyOrder(
            List.of("r0", "r1"), List.of("r2", "r3"), List.of("r4", "r5"), List.of("r6"));
  }

  @Test
  void aCheckpointWaitsForInsertsInFlight() throws Exception {
    target.hold();
    start(options(2, 1));
    write("r0", "r1", "r2");
    Future<?> checkpoint =
        task.submit(
            () -> {
              harness.prepareSnapshotPreBarrier(1);
              return null;
            });
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(target.running.get()).isEqualTo(1));
    Thread.sleep(300);
    assertThat(checkpoint).isNotDone();

    target.releaseAll();
    checkpoint.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(target.inserted()).containsExactly(List.of("r0", "r1"), List.of("r2"));
  }

  @Test
  void aFailedInsertIsSentAgainWithTheSameRows_untilItPasses() throws Exception {
    target.failNext(
        new ClickHouseException("connection refused", true, null),
        new ClickHouseException("HTTP 503", true, null));
    start(options(2, 1));
    write("r0", "r1", "r2");
    checkpoint(1);

    assertThat(target.attempts)
        .containsExactly(lines("r0", "r1"), lines("r0", "r1"), lines("r0", "r1"), lines("r2"));
    assertThat(target.inserted()).containsExactly(List.of("r0", "r1"), List.of("r2"));
  }

  @Test
  void aRejectedInsertFailsTheTask() throws Exception {
    target.failNext(new ClickHouseException("Cannot parse input", false, null));
    start(options(2, 1));
    write("r0");

    assertThatThrownBy(() -> checkpoint(1))
        .hasMessageContaining("ClickHouse rejected 1 rows for t")
        .hasMessageContaining("Cannot parse input");
    assertThat(target.inserted()).isEmpty();
  }

  @Test
  void rowsBufferedInARestoredState_areSentByTheRestoredWriter() throws Exception {
    start(options(10, 1));
    write("r0", "r1");
    // A snapshot without the flush that precedes it in a job: Flink's state holds the buffered
    // rows.
    OperatorSubtaskState state = onTask(() -> harness.snapshot(1, 1));
    onTask(
        () -> {
          harness.close();
          return null;
        });
    assertThat(target.attempts).isEmpty();

    harness = null;
    start(options(10, 1), state);
    checkpoint(2);
    assertThat(target.inserted()).containsExactly(List.of("r0", "r1"));
  }

  @Test
  void aCheckpointsStateHoldsNoRows_aWriterRestoredFromItSendsNothing() throws Exception {
    start(options(10, 1));
    write("r0", "r1");
    checkpoint(1);
    OperatorSubtaskState state = onTask(() -> harness.snapshot(1, 1));
    onTask(
        () -> {
          harness.close();
          return null;
        });

    harness = null;
    start(options(10, 1), state);
    checkpoint(2);
    assertThat(target.inserted()).containsExactly(List.of("r0", "r1"));
  }

  @Test
  void theStateSerializer_roundTripsRows() throws Exception {
    ClickHouseSink.RowsSerializer serializer = new ClickHouseSink.RowsSerializer();
    byte[] a = lines("r0");
    byte[] b = new byte[0];
    byte[] c = {0, 1, 2, (byte) 0xFF};
    BufferedRequestState<byte[]> state =
        new BufferedRequestState<>(
            List.of(
                new RequestEntryWrapper<>(a, a.length),
                new RequestEntryWrapper<>(b, 0),
                new RequestEntryWrapper<>(c, 4)));

    BufferedRequestState<byte[]> back =
        serializer.deserialize(serializer.getVersion(), serializer.serialize(state));

    assertThat(back.getBufferedRequestEntries())
        .extracting(RequestEntryWrapper::getRequestEntry)
        .containsExactly(a, b, c);
    assertThat(back.getBufferedRequestEntries())
        .extracting(RequestEntryWrapper::getSize)
        .containsExactly(3L, 0L, 4L);
  }

  // ---------------------------------------------------------------------------------------------------------------

  private ClickHouseSinkOptions options(int batchRows, int inFlight) {
    return new ClickHouseSinkOptions(
            "http://127.0.0.1:1", "unused", batchRows, Duration.ofHours(1), Duration.ofMillis(10))
        .withMaxInFlightInserts(inFlight);
  }

  private void start(ClickHouseSinkOptions options) throws Exception {
    start(options, null);
  }

  private void start(ClickHouseSinkOptions options, OperatorSubtaskState restored)
      throws Exception {
    TARGETS.put(id, target);
    ClickHouseSink<String> sink = new ClickHouseSink<>(options, "t", new Lines(), new Named(id));
    harness =
        onTask(
            () -> {
              OneInputStreamOperatorTestHarness<String, ?> h =
                  new OneInputStreamOperatorTestHarness<>(
                      new SinkWriterOperatorFactory<>(sink), StringSerializer.INSTANCE);
              if (restored == null) {
                h.initializeEmptyState();
              } else {
                h.initializeState(restored);
              }
              h.open();
              return h;
            });
  }

  private void at(long processingTime) throws Exception {
    onTask(
        () -> {
          harness.setProcessingTime(processingTime);
          return null;
        });
  }

  private void write(String... rows) throws Exception {
    onTask(
        () -> {
          for (String row : rows) {
            harness.processElement(row, 0);
          }
          return null;
        });
  }

  private void checkpoint(long id) throws Exception {
    onTask(
        () -> {
          harness.prepareSnapshotPreBarrier(id);
          return null;
        });
  }

  private <V> V onTask(Callable<V> call) throws Exception {
    try {
      return task.submit(call).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private static byte[] lines(String... rows) {
    StringBuilder body = new StringBuilder();
    for (String row : rows) {
      body.append(row).append('\n');
    }
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** One text row a line. */
  static final class Lines implements RowFormat<String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
      return "LineAsString";
    }

    @Override
    public List<String> columns() {
      return List.of("line");
    }

    @Override
    public Batch<String> newBatch() {
      return new Batch<>() {
        private final StringBuilder rows = new StringBuilder();

        @Override
        public void add(String row) {
          rows.append(row).append('\n');
        }

        @Override
        public byte[] drain() {
          byte[] bytes = rows.toString().getBytes(StandardCharsets.UTF_8);
          rows.setLength(0);
          return bytes;
        }
      };
    }
  }

  /** The test's target, found by id in the task (the sink is shipped there as in a job). */
  record Named(String id) implements InsertTarget.Factory {
    @Override
    public InsertTarget open() {
      return TARGETS.get(id);
    }
  }

  /** Records every insert; holds inserts until released, or fails the next ones, when told to. */
  static final class Target implements InsertTarget {
    final List<byte[]> attempts = Collections.synchronizedList(new ArrayList<>());
    final List<byte[]> bodies = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    private final Deque<ClickHouseException> failures = new ArrayDeque<>();
    private final Semaphore releases = new Semaphore(0);
    private volatile boolean held;

    void hold() {
      held = true;
    }

    void release(int inserts) {
      releases.release(inserts);
    }

    void releaseAll() {
      held = false;
      releases.release(1_000);
    }

    synchronized void failNext(ClickHouseException... next) {
      failures.addAll(Arrays.asList(next));
    }

    private synchronized ClickHouseException nextFailure() {
      return failures.poll();
    }

    /** The rows of each insert that passed, in the order they passed. */
    List<List<String>> inserted() {
      synchronized (bodies) {
        return bodies.stream()
            .map(b -> List.of(new String(b, StandardCharsets.UTF_8).split("\n")))
            .toList();
      }
    }

    @Override
    public void prepare() {}

    @Override
    public void insert(byte[] rows) {
      maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        attempts.add(rows.clone());
        if (held) {
          releases.acquireUninterruptibly();
        }
        ClickHouseException failure = nextFailure();
        if (failure != null) {
          throw failure;
        }
        bodies.add(rows.clone());
      } finally {
        running.decrementAndGet();
      }
    }
  }
}
