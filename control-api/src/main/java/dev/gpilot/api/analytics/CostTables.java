package dev.gpilot.api.analytics;

import dev.gpilot.clickhouse.RollupLevels;

/**
 * The tables an analytics answer reads: the live ones, or a price version's copies that a replay
 * wrote (SPEC.md section 8, Replays; {@link dev.gpilot.clickhouse.PriceVersions}), with the coarser
 * rollups beside the minute rollups ({@link RollupLevels}).
 */
public record CostTables(String raw, String rollup) {
  /** The name of the live version in {@code ?prices=} and {@code /price-versions}. */
  public static final String LIVE_NAME = "live";

  public static final CostTables LIVE = new CostTables("cost_records", "cost_rollup_1m");

  /** The minute rollups' coarser levels, touches and seals. */
  public RollupLevels levels() {
    return RollupLevels.of(rollup);
  }
}
