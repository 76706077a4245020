package dev.gpilot.api.history;

import static dev.gpilot.clickhouse.ClickHouseClient.literal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.http.ClickHouseReads;
import dev.gpilot.clickhouse.ClickHouseClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A workspace's missions, newest first, from ClickHouse's {@code missions} table (SPEC.md section
 * 2): one row per mission, its latest summary ({@code argMax(…, version)}: the table is a {@code
 * ReplacingMergeTree(version)}).
 *
 * <p>The job writes a mission's summary when it starts and when it ends, so a mission shows here
 * from its start (a second or so after the {@code POST}) and stays after it left Kafka and the
 * API's memory. Paging is by cursor on (submitted time, mission id), which never skips or repeats a
 * mission while new ones arrive; the same SQL runs on ClickHouse 18.16 and a current one.
 */
public final class MissionHistory {

  /**
   * A list shows the start of each mission's text; the whole is in {@code GET
   * /api/v1/missions/{id}}.
   */
  static final int TEXT_CHARS = 500;

  private final ClickHouseReads clickhouse;

  public MissionHistory(ClickHouseClient client) {
    this.clickhouse = new ClickHouseReads(client, "mission list");
  }

  /** One page of missions and the cursor of the next (null: this is the last page). */
  public record Page(List<Map<String, Object>> missions, String nextCursor) {}

  /**
   * One page of the query's missions, newest first.
   *
   * @throws ApiException 503 when ClickHouse does not answer
   */
  public Page list(MissionListQuery q) {
    // A mission's text and submission time never change between its summaries, so the search and
    // the cursor filter
    // rows before they are grouped; its status does change, so that filter applies to the latest
    // summary only.
    StringBuilder where = new StringBuilder("workspace_id = ").append(literal(q.workspaceId()));
    if (q.search() != null) {
      where
          .append(" AND positionCaseInsensitiveUTF8(mission, ")
          .append(literal(q.search()))
          .append(") > 0");
    }
    if (q.after() != null) {
      long t = q.after().submittedAtMs();
      where
          .append(" AND (submitted_at_ms < ")
          .append(t)
          .append(" OR (submitted_at_ms = ")
          .append(t)
          .append(" AND mission_id < ")
          .append(literal(q.after().missionId()))
          .append("))");
    }
    String sql =
        "SELECT * FROM (SELECT mission_id AS m_id, argMax(status, version) AS m_status,"
            + " substringUTF8(any(mission), 1, "
            + TEXT_CHARS
            + ") AS m_text, max(submitted_at_ms) AS m_submitted,"
            + " argMax(started_at_ms, version) AS m_started, argMax(finished_at_ms, version) AS m_finished,"
            + " argMax(steps_total, version) AS m_steps, argMax(steps_succeeded, version) AS m_succeeded,"
            + " argMax(steps_failed, version) AS m_failed, argMax(cost_micros, version) AS m_cost,"
            + " argMax(reason, version) AS m_reason FROM missions WHERE "
            + where
            + " GROUP BY mission_id)"
            + (q.statuses().isEmpty()
                ? ""
                : " WHERE m_status IN ("
                    + q.statusList().stream()
                        .map(ClickHouseClient::literal)
                        .collect(Collectors.joining(", "))
                    + ")")
            + " ORDER BY m_submitted DESC, m_id DESC LIMIT "
            + (q.limit() + 1);
    List<JsonNode> rows = clickhouse.query(sql);
    List<Map<String, Object>> missions = new ArrayList<>();
    for (JsonNode r : rows.subList(0, Math.min(rows.size(), q.limit()))) {
      missions.add(toJson(r));
    }
    String next = null;
    if (rows.size() > q.limit()) {
      JsonNode last = rows.get(q.limit() - 1);
      next =
          new MissionListQuery.Cursor(last.get("m_submitted").asLong(), last.get("m_id").asText())
              .encode();
    }
    return new Page(missions, next);
  }

  private static Map<String, Object> toJson(JsonNode r) {
    String id = r.get("m_id").asText();
    long submitted = r.get("m_submitted").asLong();
    long started = r.get("m_started").asLong();
    long finished = r.get("m_finished").asLong();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("missionId", id);
    m.put("status", r.get("m_status").asText());
    m.put("mission", r.get("m_text").asText());
    m.put("submittedAt", submitted);
    if (started > 0) {
      m.put("startedAt", started);
    }
    if (finished > 0) {
      m.put("finishedAt", finished);
      m.put("durationMs", finished - submitted);
    }
    m.put(
        "steps",
        Map.of(
            "total",
            r.get("m_steps").asLong(),
            "succeeded",
            r.get("m_succeeded").asLong(),
            "failed",
            r.get("m_failed").asLong()));
    m.put("costMicros", r.get("m_cost").asLong());
    String reason = r.get("m_reason").asText();
    if (!reason.isEmpty()) {
      m.put("reason", reason);
    }
    String self = "/api/v1/missions/" + id;
    m.put("links", Map.of("self", self, "stream", self + "/stream"));
    return m;
  }
}
