package dev.gpilot.jobs.sink.clickhouse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionSummary;
import java.io.UncheckedIOException;

/** Maps a {@link MissionSummary} to a row of the {@code missions} table. */
public final class MissionSummaryRows {
  public static final String TABLE = "missions";

  private MissionSummaryRows() {}

  public static ObjectNode encode(MissionSummary s) {
    ObjectNode row = Json.mapper().createObjectNode();
    row.put("workspace_id", s.workspaceId());
    row.put("mission_id", s.missionId());
    row.put("status", s.status().name());
    row.put("mission", s.mission() == null ? "" : s.mission());
    row.put("submitted_at", s.submittedAt() / 1000);
    row.put("submitted_at_ms", s.submittedAt());
    row.put("started_at_ms", s.startedAt());
    row.put("finished_at_ms", s.finishedAt());
    row.put("steps_total", s.stepsTotal());
    row.put("steps_succeeded", s.stepsSucceeded());
    row.put("steps_failed", s.stepsFailed());
    row.put("plan", s.plan() == null ? "" : json(s.plan()));
    row.put("result", s.result() == null ? "" : json(s.result()));
    row.put("reason", s.reason() == null ? "" : s.reason());
    row.put("cost_micros", s.costMicros());
    row.put("agent_costs", s.agentCosts().isEmpty() ? "" : json(s.agentCosts()));
    row.put("version", s.version());
    return row;
  }

  private static String json(Object value) {
    try {
      return Json.mapper().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
