package dev.gpilot.jobs.costs;

import dev.gpilot.jobs.sink.clickhouse.RowBinaryFormat;

/**
 * Cost records and rollups as rows of {@code cost_records} and {@code cost_rollup_1m} (migration
 * V006), in ClickHouse's {@code RowBinary} format: the raw table takes a row for every finished
 * attempt, and JSON rows cost ClickHouse twice the CPU to read (and the writer more to write) for
 * the same columns.
 */
public final class CostRows {
  public static final String RAW_TABLE = "cost_records";
  public static final String ROLLUP_TABLE = "cost_rollup_1m";

  /** A tagged cost record as a row of {@code cost_records}. */
  public static final RowBinaryFormat<TaggedCost> RAW =
      RowBinaryFormat.<TaggedCost>builder()
          .string("id", t -> t.record().id())
          .string("workspace_id", t -> t.record().workspaceId())
          .string("mission_id", t -> t.record().missionId())
          .string("step_id", t -> t.record().stepId())
          .uint32("attempt", t -> t.record().attempt())
          .string("agent", t -> t.record().agent())
          .string("model", t -> t.record().modelKey())
          .flag("succeeded", t -> t.record().succeeded())
          .uint64("prompt_tokens", t -> t.record().usage().promptTokens())
          .uint64("output_tokens", t -> t.record().usage().outputTokens())
          .uint64("thinking_tokens", t -> t.record().usage().thinkingTokens())
          .uint64("cached_tokens", t -> t.record().usage().cachedTokens())
          .int64("cost_micros", t -> t.record().costMicros())
          .string("price_version", t -> t.record().priceVersion()) // none: ""
          .uint64("started_at_ms", t -> t.record().startedAt())
          .uint64("finished_at_ms", t -> t.record().finishedAt())
          .dateTime("finished_at", t -> Math.floorDiv(t.record().finishedAt(), 1000L))
          .uint64("latency_ms", t -> t.record().latencyMs())
          .flag("new_mission", TaggedCost::newMission)
          .flag("new_agent_mission", TaggedCost::newAgentMission)
          .build();

  /** A window's (or a straggler's) totals as a row of {@code cost_rollup_1m}. */
  public static final RowBinaryFormat<CostRollup> ROLLUP =
      RowBinaryFormat.<CostRollup>builder()
          .string("workspace_id", CostRollup::workspaceId)
          .dateTime("window_start", r -> r.windowStart() / 1000)
          .string("agent", CostRollup::agent)
          .string("model", CostRollup::model)
          .string("slice", CostRollup::slice)
          .uint64("steps", r -> r.totals().steps)
          .uint64("missions", r -> r.totals().missions)
          .uint64("agent_missions", r -> r.totals().agentMissions)
          .uint64("errors", r -> r.totals().errors)
          .uint64("prompt_tokens", r -> r.totals().promptTokens)
          .uint64("output_tokens", r -> r.totals().outputTokens)
          .uint64("thinking_tokens", r -> r.totals().thinkingTokens)
          .uint64("cached_tokens", r -> r.totals().cachedTokens)
          .int64("cost_micros", r -> r.totals().costMicros)
          .uint64("latency_sum_ms", r -> r.totals().latencySumMs)
          .uint64("latency_max_ms", r -> r.totals().latencyMaxMs)
          .uint64("version", CostRollup::version)
          .build();

  private CostRows() {}
}
