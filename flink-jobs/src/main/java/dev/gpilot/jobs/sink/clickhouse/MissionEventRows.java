package dev.gpilot.jobs.sink.clickhouse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import java.nio.charset.StandardCharsets;

/**
 * Maps a {@link MissionEvent} to a row of the {@code mission_events} table: its key columns and its
 * JSON.
 */
public final class MissionEventRows {
  public static final String TABLE = "mission_events";
  private static final JsonCodec<MissionEvent> CODEC = JsonCodec.of(MissionEvent.class);

  private MissionEventRows() {}

  public static ObjectNode encode(MissionEvent e) {
    ObjectNode row = Json.mapper().createObjectNode();
    row.put("workspace_id", e.workspaceId());
    row.put("mission_id", e.missionId());
    row.put("seq", e.seq());
    row.put("type", e.type());
    row.put("ts", e.ts() / 1000);
    row.put("ts_ms", e.ts());
    row.put("event", new String(CODEC.encode(e), StandardCharsets.UTF_8));
    return row;
  }
}
