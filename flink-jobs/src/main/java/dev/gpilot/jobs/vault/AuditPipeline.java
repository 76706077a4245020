package dev.gpilot.jobs.vault;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSink;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSinkOptions;
import dev.gpilot.jobs.sink.clickhouse.RowEncoder;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Copies {@code gpilot.audit.v1} into ClickHouse's {@code audit_events}: the one writer of that
 * table.
 *
 * <p>Why the job and not the API: audit events come from both (vault writes from the API, decrypts
 * from the agents), the job already has a batching, backpressuring, checkpointed ClickHouse sink,
 * and the topic stays the record of truth: ClickHouse being down delays the copy, never a vault
 * write. It reads committed records only, because the API writes an event in the same Kafka
 * transaction as its vault change (an aborted change has no event). At-least-once: a re-sent event
 * keeps its id and time, so the ReplacingMergeTree collapses it.
 */
public final class AuditPipeline {
  private AuditPipeline() {}

  public static void build(StreamExecutionEnvironment env, MissionJobOptions options) {
    KafkaSource<AuditEvent> source =
        KafkaSource.<AuditEvent>builder()
            .setBootstrapServers(options.kafkaBootstrapServers())
            .setTopics(Topics.AUDIT)
            .setGroupId(options.consumerGroupId())
            .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
            .setDeserializer(new AuditEventDeserializer())
            .setProperty("isolation.level", "read_committed")
            .setProperty("partition.discovery.interval.ms", "60000")
            .setProperty("fetch.max.wait.ms", "100")
            .build();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "audit-events")
        .uid("audit-events-source")
        .sinkTo(
            new ClickHouseSink<AuditEvent>(
                ClickHouseSinkOptions.of(options.clickhouseUrl(), options.clickhouseDatabase()),
                AuditEventRows.TABLE,
                RowEncoder.tree(AuditEventRows::encode)))
        .name("audit-events-clickhouse")
        .uid("audit-events-clickhouse");
  }
}
