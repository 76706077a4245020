package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSink;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSinkOptions;
import java.util.Objects;
import org.apache.flink.api.connector.sink2.Sink;

/**
 * Where the cost pipeline writes: the live job writes the cost-records topic and the live tables; a
 * replay writes the tables of its price version and no topic (SPEC.md section 8, Replays); a test
 * writes wherever it reads back from.
 *
 * @param records the cost records ({@code gpilot.cost-records.v1}), or null to write none
 * @param rawRows one row per attempt ({@code cost_records} or a version's copy)
 * @param rollupRows the 1-minute rollups ({@code cost_rollup_1m} or a version's copy)
 */
public record CostTargets(
    Sink<CostRecord> records, Sink<TaggedCost> rawRows, Sink<CostRollup> rollupRows) {
  public CostTargets {
    Objects.requireNonNull(rawRows, "rawRows");
    Objects.requireNonNull(rollupRows, "rollupRows");
  }

  /**
   * The production targets.
   *
   * @param kafkaBootstrapServers where {@code gpilot.cost-records.v1} is, or null to write no cost
   *     records there
   * @param clickhouse the ClickHouse inserts
   * @param rawTable the table of one row per attempt
   * @param rollupTable the table of 1-minute rollups
   */
  public static CostTargets of(
      String kafkaBootstrapServers,
      ClickHouseSinkOptions clickhouse,
      String rawTable,
      String rollupTable) {
    Objects.requireNonNull(clickhouse, "clickhouse");
    return new CostTargets(
        kafkaBootstrapServers == null ? null : CostPipeline.costRecordsSink(kafkaBootstrapServers),
        new ClickHouseSink<>(clickhouse, Objects.requireNonNull(rawTable), CostRows.RAW),
        new ClickHouseSink<>(clickhouse, Objects.requireNonNull(rollupTable), CostRows.ROLLUP));
  }
}
