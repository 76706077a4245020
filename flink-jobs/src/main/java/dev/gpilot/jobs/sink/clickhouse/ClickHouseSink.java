package dev.gpilot.jobs.sink.clickhouse;

import dev.gpilot.contracts.clickhouse.ClickHouseClient;
import dev.gpilot.contracts.clickhouse.ClickHouseException;
import dev.gpilot.contracts.clickhouse.ClickHouseMigrations;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records as rows of one ClickHouse table, in batches bounded by size and time, and flushed on every
 * checkpoint, so a checkpoint never completes with rows only in memory (at-least-once).
 *
 * <p>Inserts run on a sender thread of the writer, one at a time, while the task fills the next batch; a full batch
 * waits for the insert before it. A failed insert that may pass later (server down, 5xx) is retried with exponential
 * backoff for as long as it takes: the next batch fills up and waits, and the job backpressures instead of dropping
 * rows. A rejected insert (bad SQL or data)
 * fails the task. Tables are expected to replace a re-sent row (ReplacingMergeTree on a stable key), which makes the
 * at-least-once delivery count once.
 */
public final class ClickHouseSink<T> implements Sink<T> {
  private static final long serialVersionUID = 1L;

  private final ClickHouseSinkOptions options;
  private final String table;
  private final RowFormat<T> format;

  /** Writes rows as JSON objects ({@link RowFormat#jsonEachRow}). */
  public ClickHouseSink(ClickHouseSinkOptions options, String table, RowEncoder<T> encoder) {
    this(options, table, RowFormat.jsonEachRow(encoder));
  }

  public ClickHouseSink(ClickHouseSinkOptions options, String table, RowFormat<T> format) {
    this.options = options;
    this.table = table;
    this.format = format;
  }

  @Override
  public SinkWriter<T> createWriter(WriterInitContext context) {
    ClickHouseClient client = new ClickHouseClient(options.url(), options.database(), Duration.ofSeconds(60));
    return new Writer<>(client, options, table, format, context);
  }

  /**
   * Buffers encoded rows and hands full batches to one sender thread, so the task encodes the next batch while
   * ClickHouse takes the last one. At most one insert is in flight: a full buffer waits for it (backpressure).
   */
  private static final class Writer<T> implements SinkWriter<T> {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseSink.class);

    private final ClickHouseClient client;
    private final ClickHouseSinkOptions options;
    private final String table;
    private final RowFormat<T> format;
    private final ProcessingTimeService time;
    private final Counter rowsOut;
    private final Counter inserts;
    private final Counter retries;
    private final ExecutorService sender;
    // The batch being filled: rows encoded straight into one buffer.
    private final RowFormat.Batch<T> batch;
    private int bufferedRows;
    // Sender thread only: the schema is brought up to date (and checked against the format) before the first
    // insert, inside its retries, so a writer starts (and the job runs, backpressured) while ClickHouse is down.
    private boolean migrated;
    private CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);
    private final FlushTimer flushTimer;

    Writer(ClickHouseClient client, ClickHouseSinkOptions options, String table,
        RowFormat<T> format, WriterInitContext context) {
      this.client = client;
      this.options = options;
      this.table = table;
      this.format = format;
      this.batch = format.newBatch();
      this.time = context.getProcessingTimeService();
      this.flushTimer = new FlushTimer(options.flushInterval().toMillis(), at -> time.registerTimer(at, this::onTimer));
      this.rowsOut = context.metricGroup().getNumRecordsSendCounter();
      this.inserts = context.metricGroup().counter("clickhouseInserts");
      this.retries = context.metricGroup().counter("clickhouseRetries");
      this.sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "clickhouse-sink-" + table);
        t.setDaemon(true);
        return t;
      });
    }

    @Override
    public void write(T element, Context context) throws IOException, InterruptedException {
      batch.add(element);
      if (++bufferedRows >= options.maxBatchRows()) {
        send();
      } else if (bufferedRows == 1) {
        flushTimer.rowAdded(time.getCurrentProcessingTime());
      }
    }

    private void onTimer(long now) throws IOException, InterruptedException {
      if (flushTimer.fired(now)) {
        send();
      }
    }

    /** On checkpoints and at the end: returns once every buffered row is in ClickHouse. */
    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
      send();
      awaitInFlight();
    }

    /** Starts inserting the buffer once the previous insert has finished. */
    private void send() throws IOException, InterruptedException {
      flushTimer.sent();
      if (bufferedRows == 0) {
        return;
      }
      awaitInFlight();
      byte[] rows = batch.drain(); // a copy: the sender owns it, the batch's buffer is reused
      int count = bufferedRows;
      bufferedRows = 0;
      inFlight = CompletableFuture.runAsync(() -> insert(rows, count), sender);
    }

    private void awaitInFlight() throws IOException, InterruptedException {
      try {
        inFlight.get();
      } catch (ExecutionException e) {
        throw new IOException(e.getCause().getMessage(), e.getCause());
      }
    }

    /**
     * Inserts one batch, retrying with backoff for as long as ClickHouse is unreachable or failing; a rejection
     * (bad SQL or data) fails it, and so the task.
     */
    private void insert(byte[] rows, int count) {
      long backoff = 100;
      while (true) {
        try {
          if (!migrated) {
            ClickHouseMigrations.apply(client);
            format.check(client, table);
            migrated = true;
          }
          client.insert(table, format.columns(), format.name(), rows);
          rowsOut.inc(count);
          inserts.inc();
          return;
        } catch (ClickHouseException e) {
          if (!e.retriable()) {
            throw new ClickHouseException("ClickHouse rejected " + count + " rows for " + table + ": "
                + e.getMessage(), false, e);
          }
          retries.inc();
          LOG.warn("insert of {} rows into {} failed, retrying in {} ms: {}", count, table, backoff,
              e.getMessage());
          try {
            Thread.sleep(backoff);
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new ClickHouseException("insert into " + table + " interrupted", false, interrupted);
          }
          backoff = Math.min(backoff * 2, options.maxRetryBackoff().toMillis());
        }
      }
    }

    @Override
    public void close() {
      // Rows not flushed by a checkpoint are not acknowledged anywhere: they are read again after a restore.
      sender.shutdownNow();
    }
  }
}
