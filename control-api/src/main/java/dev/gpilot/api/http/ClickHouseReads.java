package dev.gpilot.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseException;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ClickHouse read for an HTTP request. The job creates the tables; an API that starts first (or
 * alone) creates them too, idempotently, before its first query. A failure becomes a problem
 * response: 503 when ClickHouse is not answering (retry later), 500 when it refuses the query.
 * Thread-safe.
 */
public final class ClickHouseReads {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseReads.class);

  private final ClickHouseClient client;
  private final String queryName;
  private volatile boolean migrated;

  /**
   * @param queryName what the log and the problem's detail call a query ("mission list")
   */
  public ClickHouseReads(ClickHouseClient client, String queryName) {
    this.client = client;
    this.queryName = queryName;
  }

  public ClickHouseClient client() {
    return client;
  }

  /**
   * Creates the tables unless that was done.
   *
   * @throws ApiException 503 or 500 when ClickHouse fails
   */
  public void ensureMigrated() {
    try {
      migrate();
    } catch (ClickHouseException e) {
      throw failed(e);
    }
  }

  private void migrate() {
    if (!migrated) {
      ClickHouseMigrations.apply(client);
      migrated = true;
    }
  }

  /**
   * The rows of {@code sql}, the tables created first unless that was done.
   *
   * @throws ApiException 503 or 500 when ClickHouse fails
   */
  public List<JsonNode> query(String sql) {
    try {
      migrate();
      return client.query(sql);
    } catch (ClickHouseException e) {
      throw failed(e);
    }
  }

  /**
   * {@link #query}, but a table or database that is missing (dropped since the migrations ran, or
   * created by no one yet) reads as empty: nothing is stored; the next query creates them again.
   */
  public List<JsonNode> queryOrEmpty(String sql) {
    try {
      migrate();
      return client.query(sql);
    } catch (ClickHouseException e) {
      if (e.unknownTableOrDatabase()) {
        migrated = false;
        return List.of();
      }
      throw failed(e);
    }
  }

  /** The problem response for a failed query, logged. */
  public ApiException failed(ClickHouseException e) {
    LOG.warn("{} query failed: {}", queryName, e.getMessage());
    return e.retriable()
        ? ApiException.unavailable("ClickHouse is not answering; retry later")
        : new ApiException(500, "internal", "Internal error", "the " + queryName + " query failed");
  }
}
