package dev.gpilot.jobs.vault;

import dev.gpilot.contracts.vault.AuditEvent;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Copies {@code gpilot.audit.v1} into ClickHouse's {@code audit_events}: the one writer of that
 * table.
 *
 * <p>Why the job and not the API: audit events come from both (vault writes from the API, decrypts
 * from the agents), the job already has a batching, backpressuring, checkpointed ClickHouse sink,
 * and the topic stays the record of truth: ClickHouse being down delays the copy, never a vault
 * write. It reads committed records only ({@link dev.gpilot.jobs.MissionSources#kafka}), because
 * the API writes an event in the same Kafka transaction as its vault change (an aborted change has
 * no event). At-least-once: a re-sent event keeps its id and time, so the ReplacingMergeTree
 * collapses it.
 */
public final class AuditPipeline {
  private AuditPipeline() {}

  /**
   * Copies {@code audit} (the topic: {@link dev.gpilot.jobs.MissionSources#audit}) into {@code
   * rows} (the table: {@link dev.gpilot.jobs.MissionSinks#auditRows}).
   */
  public static void build(
      StreamExecutionEnvironment env, Source<AuditEvent, ?, ?> audit, Sink<AuditEvent> rows) {
    env.fromSource(audit, WatermarkStrategy.noWatermarks(), "audit-events")
        .uid("audit-events-source")
        .sinkTo(rows)
        .name("audit-events-clickhouse")
        .uid("audit-events-clickhouse");
  }
}
