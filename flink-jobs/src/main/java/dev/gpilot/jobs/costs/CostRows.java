package dev.gpilot.jobs.costs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.gpilot.contracts.cost.CostRecord;
import java.io.IOException;

/**
 * Writes cost records and rollups as rows of {@code cost_records} and {@code cost_rollup_1m} (migration V006), field
 * by field. The raw table gets a row for every record: its column names are encoded once, not for every row.
 */
public final class CostRows {
  public static final String RAW_TABLE = "cost_records";
  public static final String ROLLUP_TABLE = "cost_rollup_1m";

  private static final SerializedString ID = new SerializedString("id");
  private static final SerializedString WORKSPACE_ID = new SerializedString("workspace_id");
  private static final SerializedString MISSION_ID = new SerializedString("mission_id");
  private static final SerializedString STEP_ID = new SerializedString("step_id");
  private static final SerializedString ATTEMPT = new SerializedString("attempt");
  private static final SerializedString AGENT = new SerializedString("agent");
  private static final SerializedString MODEL = new SerializedString("model");
  private static final SerializedString SUCCEEDED = new SerializedString("succeeded");
  private static final SerializedString PROMPT_TOKENS = new SerializedString("prompt_tokens");
  private static final SerializedString OUTPUT_TOKENS = new SerializedString("output_tokens");
  private static final SerializedString THINKING_TOKENS = new SerializedString("thinking_tokens");
  private static final SerializedString CACHED_TOKENS = new SerializedString("cached_tokens");
  private static final SerializedString COST_MICROS = new SerializedString("cost_micros");
  private static final SerializedString PRICE_VERSION = new SerializedString("price_version");
  private static final SerializedString STARTED_AT_MS = new SerializedString("started_at_ms");
  private static final SerializedString FINISHED_AT_MS = new SerializedString("finished_at_ms");
  private static final SerializedString FINISHED_AT = new SerializedString("finished_at");
  private static final SerializedString LATENCY_MS = new SerializedString("latency_ms");
  private static final SerializedString NEW_MISSION = new SerializedString("new_mission");
  private static final SerializedString NEW_AGENT_MISSION = new SerializedString("new_agent_mission");

  private CostRows() {}

  public static void raw(TaggedCost tagged, JsonGenerator row) throws IOException {
    CostRecord r = tagged.record();
    row.writeStartObject();
    row.writeFieldName(ID);
    row.writeString(r.id());
    row.writeFieldName(WORKSPACE_ID);
    row.writeString(r.workspaceId());
    row.writeFieldName(MISSION_ID);
    row.writeString(r.missionId());
    row.writeFieldName(STEP_ID);
    row.writeString(r.stepId());
    row.writeFieldName(ATTEMPT);
    row.writeNumber(r.attempt());
    row.writeFieldName(AGENT);
    row.writeString(r.agent());
    row.writeFieldName(MODEL);
    row.writeString(r.modelKey());
    row.writeFieldName(SUCCEEDED);
    row.writeNumber(r.succeeded() ? 1 : 0);
    row.writeFieldName(PROMPT_TOKENS);
    row.writeNumber(r.usage().promptTokens());
    row.writeFieldName(OUTPUT_TOKENS);
    row.writeNumber(r.usage().outputTokens());
    row.writeFieldName(THINKING_TOKENS);
    row.writeNumber(r.usage().thinkingTokens());
    row.writeFieldName(CACHED_TOKENS);
    row.writeNumber(r.usage().cachedTokens());
    row.writeFieldName(COST_MICROS);
    row.writeNumber(r.costMicros());
    row.writeFieldName(PRICE_VERSION);
    row.writeString(r.priceVersion() == null ? "" : r.priceVersion());
    row.writeFieldName(STARTED_AT_MS);
    row.writeNumber(r.startedAt());
    row.writeFieldName(FINISHED_AT_MS);
    row.writeNumber(r.finishedAt());
    row.writeFieldName(FINISHED_AT);
    row.writeNumber(Math.floorDiv(r.finishedAt(), 1000L));
    row.writeFieldName(LATENCY_MS);
    row.writeNumber(r.latencyMs());
    row.writeFieldName(NEW_MISSION);
    row.writeNumber(tagged.newMission() ? 1 : 0);
    row.writeFieldName(NEW_AGENT_MISSION);
    row.writeNumber(tagged.newAgentMission() ? 1 : 0);
    row.writeEndObject();
  }

  public static void rollup(CostRollup r, JsonGenerator row) throws IOException {
    CostTotals t = r.totals();
    row.writeStartObject();
    row.writeStringField("workspace_id", r.workspaceId());
    row.writeNumberField("window_start", r.windowStart() / 1000);
    row.writeStringField("agent", r.agent());
    row.writeStringField("model", r.model());
    row.writeStringField("slice", r.slice());
    row.writeNumberField("steps", t.steps);
    row.writeNumberField("missions", t.missions);
    row.writeNumberField("agent_missions", t.agentMissions);
    row.writeNumberField("errors", t.errors);
    row.writeNumberField("prompt_tokens", t.promptTokens);
    row.writeNumberField("output_tokens", t.outputTokens);
    row.writeNumberField("thinking_tokens", t.thinkingTokens);
    row.writeNumberField("cached_tokens", t.cachedTokens);
    row.writeNumberField("cost_micros", t.costMicros);
    row.writeNumberField("latency_sum_ms", t.latencySumMs);
    row.writeNumberField("latency_max_ms", t.latencyMaxMs);
    row.writeNumberField("version", r.version());
    row.writeEndObject();
  }
}
