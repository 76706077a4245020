package dev.gpilot.jobs.sink.clickhouse;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.AsyncSinkBase;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriterStateSerializer;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Writes records as rows of one ClickHouse table, on Flink's async sink ({@link AsyncSinkBase},
 * FLIP-171): rows are encoded as they arrive, buffered, and inserted in batches bounded by rows,
 * bytes and time ({@link FlushTimer}: a checkpoint's flush restarts the clock, so no small insert
 * of what came after it follows), with at most {@link ClickHouseSinkOptions#maxInFlightInserts}
 * inserts running at once on sender threads of the writer. Every checkpoint sends what is buffered
 * and waits for every insert, so a checkpoint never completes with rows only in memory
 * (at-least-once; {@link ClickHouseSinkWriter#flush}).
 *
 * <p>A failed insert that may pass later (server down, 5xx) is sent again with the same rows, with
 * exponential backoff, for as long as it takes: meanwhile the next batch fills up and waits, and
 * the job backpressures instead of dropping rows. A rejected insert (bad SQL or data) fails the
 * task. Tables are expected to replace a re-sent row (ReplacingMergeTree on a stable key), which
 * makes the at-least-once delivery count once.
 *
 * <p>The writer's state is Flink's buffered requests: the encoded rows not yet sent. As every
 * checkpoint sends them first, it is empty in every checkpoint and savepoint; restoring a savepoint
 * of the earlier, stateless sink (no state under the same uid) starts an empty writer.
 */
public final class ClickHouseSink<T> extends AsyncSinkBase<T, byte[]> {
  private static final long serialVersionUID = 1L;

  /**
   * Inserts retry on their own for as long as ClickHouse fails; Flink's request timeout (a resend)
   * never fires.
   */
  static final long NO_TIMEOUT_MS = Duration.ofDays(3650).toMillis();

  private final ClickHouseSinkOptions options;
  private final String table;
  private final RowFormat<T> format;
  private final InsertTarget.Factory target;

  /** Writes rows as JSON objects ({@link RowFormat#jsonEachRow}). */
  public ClickHouseSink(ClickHouseSinkOptions options, String table, RowEncoder<T> encoder) {
    this(options, table, RowFormat.jsonEachRow(encoder));
  }

  public ClickHouseSink(ClickHouseSinkOptions options, String table, RowFormat<T> format) {
    this(options, table, format, InsertTarget.table(options, table, format));
  }

  /** Tests: inserts go to {@code target}. */
  ClickHouseSink(
      ClickHouseSinkOptions options,
      String table,
      RowFormat<T> format,
      InsertTarget.Factory target) {
    super(
        new RowConverter<>(format),
        options.maxBatchRows(),
        options.maxInFlightInserts(),
        // Flink's bound on buffered rows: never reached, the writer waits at one batch
        // (ClickHouseSinkWriter#write).
        options.maxBatchRows() + 1,
        options.maxBatchBytes(),
        NO_TIMEOUT_MS,
        options.maxBatchBytes(),
        NO_TIMEOUT_MS,
        false);
    this.options = options;
    this.table = table;
    this.format = format;
    this.target = target;
  }

  /**
   * This sink for rows encoded upstream: {@link #rowEncoder} turns each element into its row's
   * bytes where the elements are made (chained to the operator that emits them), and the sink this
   * returns inserts those bytes into the same table, in the same format, batched and retried as
   * this one would. Only the rows' bytes cross the network to the sink's own task, instead of each
   * element in its type's serializer (JSON for most of the job's types) decoded there and encoded
   * again as a row.
   */
  public ClickHouseSink<byte[]> encodedRows() {
    return new ClickHouseSink<>(options, table, RowFormat.encoded(format), target);
  }

  /** Encodes each element as its row, for {@link #encodedRows}. */
  public RichMapFunction<T, byte[]> rowEncoder() {
    return new RowEncoding<>(format);
  }

  /** Each element as one row of the format, into a batch of its own that is reused. */
  static final class RowEncoding<T> extends RichMapFunction<T, byte[]> {
    private static final long serialVersionUID = 1L;
    private final RowFormat<T> format;
    private transient RowFormat.Batch<T> row;

    RowEncoding(RowFormat<T> format) {
      this.format = format;
    }

    @Override
    public void open(OpenContext context) {
      row = format.newBatch();
    }

    @Override
    public byte[] map(T element) throws IOException {
      return row.encode(element);
    }
  }

  @Override
  public StatefulSinkWriter<T, BufferedRequestState<byte[]>> createWriter(
      WriterInitContext context) {
    return restoreWriter(context, List.of());
  }

  @Override
  public StatefulSinkWriter<T, BufferedRequestState<byte[]>> restoreWriter(
      WriterInitContext context, Collection<BufferedRequestState<byte[]>> recovered) {
    return new ClickHouseSinkWriter<>(
        (RowConverter<T>) getElementConverter(), context, options, table, target.open(), recovered);
  }

  @Override
  public SimpleVersionedSerializer<BufferedRequestState<byte[]>> getWriterStateSerializer() {
    return new RowsSerializer();
  }

  /**
   * Encodes each element as one row of the format, into a buffer of the writer's that is reused.
   */
  static final class RowConverter<T> implements ElementConverter<T, byte[]> {
    private static final long serialVersionUID = 1L;
    private final RowFormat<T> format;
    private transient RowFormat.Batch<T> row;
    private transient int lastRowBytes;

    RowConverter(RowFormat<T> format) {
      this.format = format;
    }

    @Override
    public void open(WriterInitContext context) {
      row = format.newBatch();
    }

    @Override
    public byte[] apply(T element, SinkWriter.Context context) {
      try {
        byte[] encoded = row.encode(element);
        lastRowBytes = encoded.length;
        return encoded;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The encoded size of the row {@link #apply} returned last. */
    int lastRowBytes() {
      return lastRowBytes;
    }
  }

  /**
   * Buffered rows as they go to ClickHouse: each row's bytes (Flink's serializer writes each length
   * before it).
   */
  static final class RowsSerializer extends AsyncSinkWriterStateSerializer<byte[]> {
    @Override
    protected void serializeRequestToStream(byte[] row, DataOutputStream out) throws IOException {
      out.write(row);
    }

    @Override
    protected byte[] deserializeRequestFromStream(long size, DataInputStream in)
        throws IOException {
      byte[] row = new byte[Math.toIntExact(size)];
      in.readFully(row);
      return row;
    }

    @Override
    public int getVersion() {
      return 1;
    }
  }
}
