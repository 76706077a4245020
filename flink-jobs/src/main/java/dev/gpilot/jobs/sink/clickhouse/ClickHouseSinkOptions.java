package dev.gpilot.jobs.sink.clickhouse;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how the ClickHouse sink writes.
 *
 * @param url HTTP endpoint, e.g. {@code http://127.0.0.1:8123}
 * @param database the database (created and migrated by the sink when missing)
 * @param maxBatchRows an insert is sent once this many rows are buffered
 * @param flushInterval ... or once the oldest buffered row is this old
 * @param maxRetryBackoff the longest pause between retries of a failed insert
 * @param maxBatchBytes ... or once the buffered rows take this many bytes encoded; also the largest
 *     row the sink takes
 * @param maxInFlightInserts how many inserts may run at once; with that many running, the writer
 *     fills one more batch and then waits (backpressure)
 */
public record ClickHouseSinkOptions(
    String url,
    String database,
    int maxBatchRows,
    Duration flushInterval,
    Duration maxRetryBackoff,
    long maxBatchBytes,
    int maxInFlightInserts)
    implements Serializable {
  /**
   * 64 MiB: far more than a batch of the largest rows (cost rows: ~20 MB per 50,000), and than one
   * mission event.
   */
  public static final long DEFAULT_MAX_BATCH_BYTES = 64L << 20;

  public ClickHouseSinkOptions {
    Objects.requireNonNull(url, "ClickHouse url is required (CLICKHOUSE_URL)");
    Objects.requireNonNull(database, "ClickHouse database is required (CLICKHOUSE_DATABASE)");
    if (maxBatchRows < 1) {
      throw new IllegalArgumentException("maxBatchRows must be at least 1, got " + maxBatchRows);
    }
    if (flushInterval.isNegative() || flushInterval.isZero()) {
      throw new IllegalArgumentException("flushInterval must be positive, got " + flushInterval);
    }
    if (maxBatchBytes < 1) {
      throw new IllegalArgumentException("maxBatchBytes must be at least 1, got " + maxBatchBytes);
    }
    if (maxInFlightInserts < 1) {
      throw new IllegalArgumentException(
          "maxInFlightInserts must be at least 1, got " + maxInFlightInserts);
    }
  }

  /** One insert in flight, batches of at most {@link #DEFAULT_MAX_BATCH_BYTES}. */
  public ClickHouseSinkOptions(
      String url,
      String database,
      int maxBatchRows,
      Duration flushInterval,
      Duration maxRetryBackoff) {
    this(url, database, maxBatchRows, flushInterval, maxRetryBackoff, DEFAULT_MAX_BATCH_BYTES, 1);
  }

  public static ClickHouseSinkOptions of(String url, String database) {
    return new ClickHouseSinkOptions(
        url, database, 10_000, Duration.ofMillis(500), Duration.ofSeconds(10));
  }

  public ClickHouseSinkOptions withMaxBatchBytes(long bytes) {
    return new ClickHouseSinkOptions(
        url, database, maxBatchRows, flushInterval, maxRetryBackoff, bytes, maxInFlightInserts);
  }

  public ClickHouseSinkOptions withMaxInFlightInserts(int inserts) {
    return new ClickHouseSinkOptions(
        url, database, maxBatchRows, flushInterval, maxRetryBackoff, maxBatchBytes, inserts);
  }
}
