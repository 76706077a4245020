package dev.gpilot.jobs.costs;

import dev.gpilot.jobs.sink.clickhouse.ClickHouseSinkOptions;
import java.io.Serializable;
import java.util.Objects;

/**
 * Where the cost pipeline writes: the live job writes the cost-records topic and the live tables; a
 * replay writes the tables of its price version and no topic (SPEC.md section 8, Replays).
 *
 * @param kafkaBootstrapServers where {@code gpilot.cost-records.v1} is, or null to write no cost
 *     records there
 * @param clickhouse the ClickHouse inserts
 * @param rawTable the table of one row per attempt ({@code cost_records} or a version's copy)
 * @param rollupTable the 1-minute rollups ({@code cost_rollup_1m} or a version's copy)
 */
public record CostTargets(
    String kafkaBootstrapServers,
    ClickHouseSinkOptions clickhouse,
    String rawTable,
    String rollupTable)
    implements Serializable {
  public CostTargets {
    Objects.requireNonNull(clickhouse, "clickhouse");
    Objects.requireNonNull(rawTable, "rawTable");
    Objects.requireNonNull(rollupTable, "rollupTable");
  }
}
