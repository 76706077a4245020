package dev.gpilot.api.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.testing.ClickHouseTestServer;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.ThrowingConsumer;

/**
 * What the job has stored in ClickHouse, awaited: its sinks write asynchronously, so a test asks
 * again until the rows are there or the time is up.
 */
public final class StoredRows {
  private StoredRows() {}

  /**
   * Waits up to {@code atMost} until the rows {@code sql} selects satisfy {@code check}; a query or
   * a check that fails is tried again until then, and the last failure is what the test reports.
   */
  public static void awaitRows(
      ClickHouseTestServer clickhouse,
      Duration atMost,
      String sql,
      ThrowingConsumer<List<JsonNode>> check) {
    await()
        .atMost(atMost)
        .ignoreExceptions()
        .untilAsserted(() -> check.accept(clickhouse.client().query(sql)));
  }

  /**
   * The forks of {@code original} the job accepted (re-runs naming it in {@code rerunOf}), as
   * ClickHouse stores their first events; no wait.
   */
  public static List<String> forksOf(ClickHouseTestServer clickhouse, String original) {
    return clickhouse
        .client()
        .query(
            "SELECT DISTINCT mission_id FROM mission_events WHERE type = "
                + "'mission.accepted' AND event LIKE '%\"rerunOf\":\""
                + original
                + "\"%'")
        .stream()
        .map(row -> row.get("mission_id").asText())
        .toList();
  }
}
