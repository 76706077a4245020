package dev.gpilot.api.streams;

import static dev.gpilot.clickhouse.ClickHouseClient.literal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.missions.MissionStore;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseException;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a mission's events from the ClickHouse table {@code mission_events}, which the MissionJob
 * fills with every event it writes to the events topic. It serves missions whose events left the
 * topics (7-day retention) or this instance's memory, so a finished mission can be replayed for as
 * long as its rows are kept. A database or table that does not exist yet holds no events; only a
 * ClickHouse that cannot be read is an error.
 */
public final class ClickHouseEventArchive implements MissionStore.Archive {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseEventArchive.class);
  private static final JsonCodec<MissionEvent> CODEC = JsonCodec.of(MissionEvent.class);

  private final ClickHouseClient client;

  public ClickHouseEventArchive(ClickHouseClient client) {
    this.client = client;
  }

  @Override
  public List<MissionEvent> events(String workspaceId, String missionId) {
    List<JsonNode> rows;
    try {
      // No FINAL: a row written twice (at-least-once) is the same event, and the view keeps one per
      // seq.
      rows =
          client.query(
              "SELECT event FROM mission_events WHERE workspace_id = "
                  + literal(workspaceId)
                  + " AND mission_id = "
                  + literal(missionId)
                  + " ORDER BY seq");
    } catch (ClickHouseException e) {
      if (e.unknownTableOrDatabase()) {
        // The job's sinks create both with their first rows: before that (a fresh deployment)
        // nothing is stored.
        return List.of();
      }
      LOG.warn("cannot read stored events of mission {}: {}", missionId, e.getMessage());
      throw ApiException.unavailable(
          "the stored events of this mission cannot be read right now; retry later");
    }
    List<MissionEvent> events = new ArrayList<>(rows.size());
    for (JsonNode row : rows) {
      try {
        events.add(CODEC.decode(row.get("event").asText()));
      } catch (CodecException e) {
        LOG.warn(
            "skipping an unreadable stored event of mission {}: {}", missionId, e.getMessage());
      }
    }
    return events;
  }
}
