package dev.gpilot.jobs;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.budget.BudgetStatus;
import dev.gpilot.contracts.budget.LedgerEntry;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.kafka.KafkaClientConfigs;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.jobs.budget.WalletLedgerRows;
import dev.gpilot.jobs.costs.CostPipeline;
import dev.gpilot.jobs.costs.CostTargets;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSink;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSinkOptions;
import dev.gpilot.jobs.sink.clickhouse.MissionEventRows;
import dev.gpilot.jobs.sink.clickhouse.MissionSummaryRows;
import dev.gpilot.jobs.sink.clickhouse.RowEncoder;
import dev.gpilot.jobs.vault.AuditEventRows;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Properties;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Where the {@link MissionJob} writes. {@link #production} gives the Kafka topics (SPEC.md section
 * 2) and ClickHouse tables (section 9); a test passes its own and reads back what the real
 * operators wrote, without a broker or a database. Building them reaches nothing: a sink connects
 * when the job runs.
 *
 * @param events mission events ({@code gpilot.mission-events.v1})
 * @param stepResults the attempts' results ({@code gpilot.step-results.v1}), which the job reads
 *     back ({@link MissionSources#stepResults})
 * @param stepDeltas the text of streaming model calls ({@code gpilot.step-deltas.v1}), best effort,
 *     which the job reads back ({@link MissionSources#deltas})
 * @param eventRows mission events as rows ({@code mission_events})
 * @param summaryRows mission summaries as rows ({@code missions})
 * @param budgetSignals the budget gate's holds and releases ({@code gpilot.mission-control.v1}),
 *     which the job reads back ({@link MissionSources#control})
 * @param budgetStatuses budget statuses ({@code gpilot.budget-status.v1})
 * @param budgetAlerts budget alerts ({@code gpilot.audit.v1})
 * @param ledgerRows the wallets' ledger ({@code wallet_ledger})
 * @param auditRows audit events as rows ({@code audit_events})
 * @param costs the cost pipeline's records and rows (SPEC.md section 8)
 */
public record MissionSinks(
    Sink<MissionEvent> events,
    Sink<StepResult> stepResults,
    Sink<StepDelta> stepDeltas,
    Sink<MissionEvent> eventRows,
    Sink<MissionSummary> summaryRows,
    Sink<MissionControl> budgetSignals,
    Sink<BudgetStatus> budgetStatuses,
    Sink<AuditEvent> budgetAlerts,
    Sink<LedgerEntry> ledgerRows,
    Sink<AuditEvent> auditRows,
    CostTargets costs) {
  public MissionSinks {
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(stepResults, "stepResults");
    Objects.requireNonNull(stepDeltas, "stepDeltas");
    Objects.requireNonNull(eventRows, "eventRows");
    Objects.requireNonNull(summaryRows, "summaryRows");
    Objects.requireNonNull(budgetSignals, "budgetSignals");
    Objects.requireNonNull(budgetStatuses, "budgetStatuses");
    Objects.requireNonNull(budgetAlerts, "budgetAlerts");
    Objects.requireNonNull(ledgerRows, "ledgerRows");
    Objects.requireNonNull(auditRows, "auditRows");
    Objects.requireNonNull(costs, "costs");
  }

  /** The job's topics on {@code options.kafkaBootstrapServers()} and its ClickHouse tables. */
  public static MissionSinks production(MissionJobOptions options) {
    String kafka = options.kafkaBootstrapServers();
    ClickHouseSinkOptions clickhouse =
        ClickHouseSinkOptions.of(options.clickhouseUrl(), options.clickhouseDatabase());
    return new MissionSinks(
        topic(kafka, Topics.MISSION_EVENTS, MissionEvent.class, MissionEvent::missionId),
        topic(kafka, Topics.STEP_RESULTS, StepResult.class, StepResult::missionId),
        bestEffortTopic(kafka, Topics.STEP_DELTAS, StepDelta.class, StepDelta::missionId),
        new ClickHouseSink<>(
            clickhouse, MissionEventRows.TABLE, RowEncoder.tree(MissionEventRows::encode)),
        new ClickHouseSink<>(
            clickhouse, MissionSummaryRows.TABLE, RowEncoder.tree(MissionSummaryRows::encode)),
        topic(kafka, Topics.MISSION_CONTROL, MissionControl.class, MissionControl::missionId),
        topic(kafka, Topics.BUDGET_STATUS, BudgetStatus.class, BudgetStatus::key),
        topic(kafka, Topics.AUDIT, AuditEvent.class, AuditEvent::workspaceId),
        new ClickHouseSink<>(
            clickhouse, WalletLedgerRows.TABLE, RowEncoder.tree(WalletLedgerRows::encode)),
        new ClickHouseSink<>(
            clickhouse, AuditEventRows.TABLE, RowEncoder.tree(AuditEventRows::encode)),
        CostPipeline.targets(options));
  }

  /** A topic written at least once, each record under its key, as its JSON contract. */
  static <T> KafkaSink<T> topic(
      String bootstrapServers, String topic, Class<T> type, KeyOf<T> key) {
    Properties producer = KafkaClientConfigs.flinkSinkProducer();
    producer.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    // At-least-once on purpose: transactional output would only show at the next checkpoint,
    // adding its interval to every step and every streamed event. Consumers dedupe by
    // (missionId, seq) / (stepId, attempt).
    return topic(bootstrapServers, topic, type, key, producer, DeliveryGuarantee.AT_LEAST_ONCE);
  }

  /**
   * A topic for output that may be lost: a checkpoint does not wait for it, and its producer never
   * holds the operator up for long ({@link KafkaClientConfigs#bestEffortProducer}).
   */
  static <T> KafkaSink<T> bestEffortTopic(
      String bootstrapServers, String topic, Class<T> type, KeyOf<T> key) {
    return topic(
        bootstrapServers,
        topic,
        type,
        key,
        KafkaClientConfigs.bestEffortProducer(bootstrapServers),
        DeliveryGuarantee.NONE);
  }

  private static <T> KafkaSink<T> topic(
      String bootstrapServers,
      String topic,
      Class<T> type,
      KeyOf<T> key,
      Properties producer,
      DeliveryGuarantee guarantee) {
    return KafkaSink.<T>builder()
        .setBootstrapServers(bootstrapServers)
        .setKafkaProducerConfig(producer)
        .setDeliveryGuarantee(guarantee)
        .setRecordSerializer(
            KafkaRecordSerializationSchema.<T>builder()
                .setTopic(topic)
                .setKeySerializationSchema(value -> key.of(value).getBytes(StandardCharsets.UTF_8))
                .setValueSerializationSchema(codecSchema(type))
                .build())
        .build();
  }

  private static <T> SerializationSchema<T> codecSchema(Class<T> type) {
    return new SerializationSchema<>() {
      private static final long serialVersionUID = 1L;
      private transient JsonCodec<T> codec;

      @Override
      public byte[] serialize(T element) {
        if (codec == null) {
          codec = JsonCodec.of(type);
        }
        return codec.encode(element);
      }
    };
  }

  /** The record key of a value. */
  interface KeyOf<T> extends Serializable {
    String of(T value);
  }
}
