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
 */
public record ClickHouseSinkOptions(
    String url, String database, int maxBatchRows, Duration flushInterval, Duration maxRetryBackoff)
    implements Serializable {

  public ClickHouseSinkOptions {
    Objects.requireNonNull(url, "ClickHouse url is required (CLICKHOUSE_URL)");
    Objects.requireNonNull(database, "ClickHouse database is required (CLICKHOUSE_DATABASE)");
    if (maxBatchRows < 1) {
      throw new IllegalArgumentException("maxBatchRows must be at least 1, got " + maxBatchRows);
    }
    if (flushInterval.isNegative() || flushInterval.isZero()) {
      throw new IllegalArgumentException("flushInterval must be positive, got " + flushInterval);
    }
  }

  public static ClickHouseSinkOptions of(String url, String database) {
    return new ClickHouseSinkOptions(url, database, 10_000, Duration.ofMillis(500), Duration.ofSeconds(10));
  }
}
