package dev.gpilot.jobs.sink.clickhouse;

import dev.gpilot.clickhouse.ClickHouseException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriter;
import org.apache.flink.connector.base.sink.writer.Batch;
import org.apache.flink.connector.base.sink.writer.BatchCreator;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.DequeRequestBuffer;
import org.apache.flink.connector.base.sink.writer.RequestBuffer;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;
import org.apache.flink.connector.base.sink.writer.strategy.RateLimitingStrategy;
import org.apache.flink.connector.base.sink.writer.strategy.RequestInfo;
import org.apache.flink.connector.base.sink.writer.strategy.ResultInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer of {@link ClickHouseSink}: Flink's {@link AsyncSinkWriter} buffers the encoded rows
 * and cuts batches; this class runs each batch's insert on a sender thread, retrying it whole until
 * ClickHouse takes it.
 *
 * <p>Threads: {@code write}, {@code flush} and {@code submitRequestEntries} run on the task's
 * mailbox thread; inserts on the sender threads, whose outcome Flink hands back to the mailbox.
 */
final class ClickHouseSinkWriter<T> extends AsyncSinkWriter<T, byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseSink.class);

  private final ClickHouseSink.RowConverter<T> rows;
  private final ClickHouseSinkOptions options;
  private final String table;
  private final InsertTarget target;
  private final MailboxExecutor mailbox;
  private final ProcessingTimeService time;
  private final FlushTimer flushTimer;
  private final InFlightLimit inFlight;
  private final ExecutorService sender;
  private final Counter inserts;
  private final Counter retries;
  // Mailbox thread: rows (and their bytes) written and not yet handed to an insert.
  private long bufferedRows;
  private long bufferedBytes;
  // Sender threads: the schema is brought up to date (and checked against the format) before the
  // first insert,
  // inside its retries, so a writer starts (and the job runs, backpressured) while ClickHouse is
  // down.
  private boolean prepared;
  private volatile boolean closed;

  ClickHouseSinkWriter(
      ClickHouseSink.RowConverter<T> rows,
      WriterInitContext context,
      ClickHouseSinkOptions options,
      String table,
      InsertTarget target,
      Collection<BufferedRequestState<byte[]>> recovered) {
    this(rows, context, options, table, target, recovered, new InFlightLimit(options));
  }

  private ClickHouseSinkWriter(
      ClickHouseSink.RowConverter<T> rows,
      WriterInitContext context,
      ClickHouseSinkOptions options,
      String table,
      InsertTarget target,
      Collection<BufferedRequestState<byte[]>> recovered,
      InFlightLimit inFlight) {
    super(
        rows,
        context,
        configuration(options, inFlight),
        recovered,
        new RowBatches(options.maxBatchBytes()),
        new DequeRequestBuffer<>());
    this.rows = rows;
    this.options = options;
    this.table = table;
    this.target = target;
    this.inFlight = inFlight;
    this.mailbox = context.getMailboxExecutor();
    this.time = context.getProcessingTimeService();
    this.flushTimer =
        new FlushTimer(
            options.flushInterval().toMillis(), at -> time.registerTimer(at, this::onTimer));
    // numRecordsSend is Flink's: counted when a batch goes to an insert, once, however often it is
    // retried.
    this.inserts =
        context.metricGroup().counter("clickhouseInserts", new ThreadSafeSimpleCounter());
    this.retries =
        context.metricGroup().counter("clickhouseRetries", new ThreadSafeSimpleCounter());
    for (BufferedRequestState<byte[]> state : recovered) {
      bufferedRows += state.getBufferedRequestEntries().size();
      bufferedBytes += state.getStateSize();
    }
    if (bufferedRows > 0) {
      flushTimer.rowAdded(time.getCurrentProcessingTime());
    }
    this.sender =
        Executors.newFixedThreadPool(
            options.maxInFlightInserts(),
            r -> {
              Thread t = new Thread(r, "clickhouse-sink-" + table);
              t.setDaemon(true);
              return t;
            });
  }

  private static AsyncSinkWriterConfiguration configuration(
      ClickHouseSinkOptions options, InFlightLimit inFlight) {
    return AsyncSinkWriterConfiguration.builder()
        .setMaxBatchSize(options.maxBatchRows())
        .setMaxBatchSizeInBytes(options.maxBatchBytes())
        .setMaxInFlightRequests(options.maxInFlightInserts())
        .setMaxBufferedRequests(options.maxBatchRows() + 1)
        // Batches go by time on the writer's own timer (FlushTimer), whose clock a checkpoint's
        // flush restarts.
        .setMaxTimeInBufferMS(ClickHouseSink.NO_TIMEOUT_MS)
        .setMaxRecordSizeInBytes(options.maxBatchBytes())
        .setRequestTimeoutMS(ClickHouseSink.NO_TIMEOUT_MS)
        .setFailOnTimeout(false)
        .setRateLimitingStrategy(inFlight)
        .build();
  }

  /**
   * Adds a row. With every insert slot taken and a full batch buffered, first waits (processing the
   * task's mail) until an insert finishes, which sends that batch: backpressure, and no batch cut
   * short.
   *
   * <p>Flink's own wait (at {@code maxBufferedRequests}) would wait for a free slot once more after
   * the batch went, then send whatever the buffer held: an insert of one row after each full one.
   */
  @Override
  public void write(T element, Context context) throws IOException, InterruptedException {
    while ((bufferedRows >= options.maxBatchRows() || bufferedBytes >= options.maxBatchBytes())
        && inFlight.full()) {
      mailbox.yield();
    }
    bufferedRows++; // before the row goes in: Flink may send it at once (submitRequestEntries
    // counts it out)
    super.write(element, context);
    bufferedBytes += rows.lastRowBytes();
    if (bufferedRows == 1) {
      flushTimer.rowAdded(time.getCurrentProcessingTime());
    }
  }

  /**
   * The batch filling now is {@code flushInterval} old: sends it, and (as a checkpoint does) waits
   * for the inserts in flight, which Flink's writer offers no way around. A batch that fills sooner
   * goes at once, without waiting.
   */
  private void onTimer(long now) throws InterruptedException {
    if (flushTimer.fired(now)) {
      super.flush(true);
    }
  }

  /**
   * On every checkpoint as at the end: sends every buffered row and returns once ClickHouse has
   * them all, so no checkpoint completes with rows only in memory (Flink's writer, asked with
   * {@code false}, would keep them in its state and send them later).
   */
  @Override
  public void flush(boolean endOfInput) throws InterruptedException {
    super.flush(true);
  }

  @Override
  protected void submitRequestEntries(List<byte[]> batch, ResultHandler<byte[]> result) {
    long bytes = 0;
    for (byte[] row : batch) {
      bytes += row.length;
    }
    bufferedRows -= batch.size();
    bufferedBytes -= bytes;
    flushTimer.sent();
    if (bufferedRows > 0) { // rows beyond a full batch: due an interval from now
      flushTimer.rowAdded(time.getCurrentProcessingTime());
    }
    int size = Math.toIntExact(bytes);
    CompletableFuture.runAsync(() -> insert(concat(batch, size), batch.size()), sender)
        .whenComplete(
            (ok, failed) -> {
              if (closed) {
                return; // the task is going: its mailbox takes nothing more
              }
              if (failed == null) {
                result.complete();
              } else {
                Throwable cause = failed.getCause() != null ? failed.getCause() : failed;
                result.completeExceptionally(
                    cause instanceof Exception e ? e : new RuntimeException(cause));
              }
            });
  }

  @Override
  protected long getSizeInBytes(byte[] row) {
    return row.length;
  }

  private static byte[] concat(List<byte[]> batch, int size) {
    byte[] body = new byte[size];
    int at = 0;
    for (byte[] row : batch) {
      System.arraycopy(row, 0, body, at, row.length);
      at += row.length;
    }
    return body;
  }

  /**
   * Inserts one batch, retrying it with the same rows and backoff for as long as ClickHouse is
   * unreachable or failing; a rejection (bad SQL or data) fails it, and so the task.
   */
  private void insert(byte[] body, int count) {
    long backoff = 100;
    while (true) {
      try {
        prepare();
        target.insert(body);
        inserts.inc();
        return;
      } catch (ClickHouseException e) {
        if (!e.retriable()) {
          throw new ClickHouseException(
              "ClickHouse rejected " + count + " rows for " + table + ": " + e.getMessage(),
              false,
              e);
        }
        retries.inc();
        LOG.warn(
            "insert of {} rows into {} failed, retrying in {} ms: {}",
            count,
            table,
            backoff,
            e.getMessage());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new ClickHouseException(
              "insert into " + table + " interrupted", false, interrupted);
        }
        backoff = Math.min(backoff * 2, options.maxRetryBackoff().toMillis());
      }
    }
  }

  private synchronized void prepare() {
    if (!prepared) {
      target.prepare();
      prepared = true;
    }
  }

  @Override
  public void close() {
    // Rows not flushed by a checkpoint are not acknowledged anywhere: they are read again after a
    // restore.
    closed = true;
    sender.shutdownNow();
  }

  /**
   * The next batch: rows from the head of the buffer, up to the batch's rows and {@code
   * maxBatchBytes}, into a list sized for them at once (Flink's {@code SimpleBatchCreator} grows
   * its list row by row, which showed in profiles of 50,000-row batches).
   */
  static final class RowBatches implements BatchCreator<byte[]> {
    private final long maxBatchBytes;

    RowBatches(long maxBatchBytes) {
      this.maxBatchBytes = maxBatchBytes;
    }

    @Override
    public Batch<byte[]> createNextBatch(RequestInfo request, RequestBuffer<byte[]> buffer) {
      int max = Math.min(request.getBatchSize(), buffer.size());
      List<byte[]> rows = new ArrayList<>(max);
      long bytes = 0;
      while (rows.size() < max) {
        RequestEntryWrapper<byte[]> next = buffer.peek();
        if (!rows.isEmpty() && bytes + next.getSize() > maxBatchBytes) {
          break;
        }
        buffer.poll();
        rows.add(next.getRequestEntry());
        bytes += next.getSize();
      }
      return new Batch<>(rows, bytes);
    }
  }

  /**
   * At most {@code maxInFlightInserts} inserts at once, of {@code maxBatchRows} rows each. No
   * scaling (as Flink's AIMD strategy would do on failures): a failed insert is retried whole, by
   * its sender, and never comes back.
   */
  static final class InFlightLimit implements RateLimitingStrategy {
    private final int maxInFlight;
    private final int maxBatchRows;
    private int running;

    InFlightLimit(ClickHouseSinkOptions options) {
      this.maxInFlight = options.maxInFlightInserts();
      this.maxBatchRows = options.maxBatchRows();
    }

    boolean full() {
      return running >= maxInFlight;
    }

    @Override
    public void registerInFlightRequest(RequestInfo request) {
      running++;
    }

    @Override
    public void registerCompletedRequest(ResultInfo result) {
      running--;
    }

    @Override
    public boolean shouldBlock(RequestInfo request) {
      return full();
    }

    @Override
    public int getMaxBatchSize() {
      return maxBatchRows;
    }
  }
}
