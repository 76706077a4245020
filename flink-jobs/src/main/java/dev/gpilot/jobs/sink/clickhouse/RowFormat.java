package dev.gpilot.jobs.sink.clickhouse;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.contracts.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * How the ClickHouse sink encodes rows: the input format its inserts name, the columns they fill,
 * and batches to encode rows into. {@link #jsonEachRow} suits most tables; {@link RowBinaryFormat}
 * is for the tables that take tens of thousands of rows a second.
 */
public interface RowFormat<T> extends Serializable {

  /** ClickHouse's name of the input format, e.g. {@code JSONEachRow}. */
  String name();

  /** The columns each row fills, in order; empty when the rows name their columns. */
  List<String> columns();

  /**
   * Checks, before the sink's first insert, that {@code table} takes these rows, and throws a
   * {@link dev.gpilot.clickhouse.ClickHouseException} when it does not. Runs on the sink's sender
   * thread, inside its retries, after the migrations.
   */
  default void check(ClickHouseClient client, String table) {}

  /** An empty batch; the sink encodes each row into it and drains it at once (the row's bytes). */
  Batch<T> newBatch();

  /** Rows encoded one after the other, as (part of) one insert's body. */
  interface Batch<T> {
    void add(T element) throws IOException;

    /**
     * The rows added since the last drain, encoded; the batch is empty afterwards and its buffer is
     * reused.
     */
    byte[] drain() throws IOException;

    /** One element's row, encoded, from an empty batch (left empty again). */
    default byte[] encode(T element) throws IOException {
      add(element);
      return drain();
    }
  }

  /**
   * One JSON object per row whose fields are column names ({@code JSONEachRow}), written by {@code
   * encoder}.
   */
  static <T> RowFormat<T> jsonEachRow(RowEncoder<T> encoder) {
    return new RowFormat<>() {
      private static final long serialVersionUID = 1L;

      @Override
      public String name() {
        return "JSONEachRow";
      }

      @Override
      public List<String> columns() {
        return List.of();
      }

      @Override
      public Batch<T> newBatch() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 * 1024);
        return new Batch<>() {
          private JsonGenerator rows;

          @Override
          public void add(T element) throws IOException {
            if (rows == null) {
              rows = Json.mapper().getFactory().createGenerator(buffer);
              rows.setRootValueSeparator(null);
            }
            encoder.write(element, rows);
            rows.writeRaw('\n');
          }

          @Override
          public byte[] drain() throws IOException {
            if (rows != null) {
              rows.flush(); // into the buffer; the generator writes on into it
            }
            byte[] batch = buffer.toByteArray(); // a copy: the buffer (and its capacity) is reused
            buffer.reset();
            return batch;
          }
        };
      }
    };
  }

  /**
   * Rows that arrive already encoded in {@code format} ({@link ClickHouseSink#encodedRows}): each
   * element is one row's bytes, taken as they are; the insert names {@code format}'s input format
   * and columns.
   */
  static RowFormat<byte[]> encoded(RowFormat<?> format) {
    return new RowFormat<>() {
      private static final long serialVersionUID = 1L;

      @Override
      public String name() {
        return format.name();
      }

      @Override
      public List<String> columns() {
        return format.columns();
      }

      @Override
      public void check(ClickHouseClient client, String table) {
        format.check(client, table);
      }

      @Override
      public Batch<byte[]> newBatch() {
        return new Batch<>() {
          private final List<byte[]> rows = new ArrayList<>(1);

          @Override
          public void add(byte[] row) {
            rows.add(row);
          }

          @Override
          public byte[] drain() {
            byte[] batch;
            if (rows.size() == 1) {
              batch = rows.get(0); // one row (the sink drains after each): no copy
            } else {
              ByteArrayOutputStream all = new ByteArrayOutputStream();
              rows.forEach(all::writeBytes);
              batch = all.toByteArray();
            }
            rows.clear();
            return batch;
          }
        };
      }
    };
  }
}
