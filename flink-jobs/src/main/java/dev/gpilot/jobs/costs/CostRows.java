package dev.gpilot.jobs.costs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.json.Json;

/** Maps cost records and rollups to rows of {@code cost_records} and {@code cost_rollup_1m} (migration V006). */
public final class CostRows {
  public static final String RAW_TABLE = "cost_records";
  public static final String ROLLUP_TABLE = "cost_rollup_1m";

  private CostRows() {}

  public static ObjectNode raw(TaggedCost tagged) {
    CostRecord r = tagged.record();
    ObjectNode row = Json.mapper().createObjectNode();
    row.put("id", r.id());
    row.put("workspace_id", r.workspaceId());
    row.put("mission_id", r.missionId());
    row.put("step_id", r.stepId());
    row.put("attempt", r.attempt());
    row.put("agent", r.agent());
    row.put("model", r.modelKey());
    row.put("succeeded", r.succeeded() ? 1 : 0);
    row.put("prompt_tokens", r.usage().promptTokens());
    row.put("output_tokens", r.usage().outputTokens());
    row.put("thinking_tokens", r.usage().thinkingTokens());
    row.put("cached_tokens", r.usage().cachedTokens());
    row.put("cost_micros", r.costMicros());
    row.put("price_version", r.priceVersion() == null ? "" : r.priceVersion());
    row.put("started_at_ms", r.startedAt());
    row.put("finished_at_ms", r.finishedAt());
    row.put("finished_at", Math.floorDiv(r.finishedAt(), 1000L));
    row.put("latency_ms", r.latencyMs());
    row.put("new_mission", tagged.newMission() ? 1 : 0);
    row.put("new_agent_mission", tagged.newAgentMission() ? 1 : 0);
    return row;
  }

  public static ObjectNode rollup(CostRollup r) {
    CostTotals t = r.totals();
    ObjectNode row = Json.mapper().createObjectNode();
    row.put("workspace_id", r.workspaceId());
    row.put("window_start", r.windowStart() / 1000);
    row.put("agent", r.agent());
    row.put("model", r.model());
    row.put("slice", r.slice());
    row.put("steps", t.steps);
    row.put("missions", t.missions);
    row.put("agent_missions", t.agentMissions);
    row.put("errors", t.errors);
    row.put("prompt_tokens", t.promptTokens);
    row.put("output_tokens", t.outputTokens);
    row.put("thinking_tokens", t.thinkingTokens);
    row.put("cached_tokens", t.cachedTokens);
    row.put("cost_micros", t.costMicros);
    row.put("latency_sum_ms", t.latencySumMs);
    row.put("latency_max_ms", t.latencyMaxMs);
    row.put("version", r.version());
    return row;
  }
}
