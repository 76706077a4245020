package dev.gpilot.jobs;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.jobs.agents.FinishedAttempts;
import dev.gpilot.jobs.ingest.ContractDeserializer;
import dev.gpilot.jobs.ingest.SchedulerInput;
import java.util.Objects;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * What the {@link MissionJob} reads. {@link #kafka} gives the production ones (SPEC.md section 2
 * names the topics); a test passes its own (bounded collections, in-memory queues) and runs the
 * same operators without a broker. Building them reaches nothing: a source connects when the job
 * runs.
 *
 * <p>The job names each source and gives it its uid ({@code missions-source}, ...), whatever it is:
 * a savepoint restores the production sources' offsets under those uids.
 *
 * @param missions submissions ({@code gpilot.missions.v1})
 * @param stepResults the attempts' results, the executor's own output read back ({@code
 *     gpilot.step-results.v1}); the cost pipeline reads them too
 * @param control cancels, and the budget gate's holds and releases ({@code
 *     gpilot.mission-control.v1})
 * @param deltas streamed model text ({@code gpilot.step-deltas.v1})
 * @param controlPlane budgets and wallet grants, for the budget gate ({@code
 *     gpilot.control-plane.v1}); read only when budgets are on
 * @param audit audit events to copy into ClickHouse ({@code gpilot.audit.v1})
 * @param finishedAttempts where the agent executor finds, on a restart, the attempts that finished
 *     after the last checkpoint (the step-results topic), so it does not run them again
 */
public record MissionSources(
    Source<SchedulerInput, ?, ?> missions,
    Source<StepResult, ?, ?> stepResults,
    Source<SchedulerInput, ?, ?> control,
    Source<SchedulerInput, ?, ?> deltas,
    Source<ControlPlaneRecord, ?, ?> controlPlane,
    Source<AuditEvent, ?, ?> audit,
    FinishedAttempts finishedAttempts) {
  public MissionSources {
    Objects.requireNonNull(missions, "missions");
    Objects.requireNonNull(stepResults, "stepResults");
    Objects.requireNonNull(control, "control");
    Objects.requireNonNull(deltas, "deltas");
    Objects.requireNonNull(controlPlane, "controlPlane");
    Objects.requireNonNull(audit, "audit");
    Objects.requireNonNull(finishedAttempts, "finishedAttempts");
  }

  /** The job's topics on {@code options.kafkaBootstrapServers()}, as its consumer group. */
  public static MissionSources kafka(MissionJobOptions options) {
    return new MissionSources(
        topic(options, Topics.MISSIONS, ContractDeserializer.missions()),
        stepResults(options),
        topic(options, Topics.MISSION_CONTROL, ContractDeserializer.control()),
        topic(options, Topics.STEP_DELTAS, ContractDeserializer.stepDeltas()),
        // The whole compacted topic on a fresh start (the gate's state is empty); the checkpointed
        // offsets on a restore.
        builder(options, Topics.CONTROL_PLANE, ContractDeserializer.controlPlane())
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setProperty("isolation.level", "read_committed")
            .build(),
        // Committed records only: the API writes an audit event in the Kafka transaction of its
        // vault change.
        continuing(options, Topics.AUDIT, ContractDeserializer.auditEvents())
            .setProperty("isolation.level", "read_committed")
            .build(),
        FinishedAttempts.inTopic(options.kafkaBootstrapServers(), options.consumerGroupId()));
  }

  /** {@code gpilot.step-results.v1}, as the job reads it. */
  public static KafkaSource<StepResult> stepResults(MissionJobOptions options) {
    return topic(options, Topics.STEP_RESULTS, ContractDeserializer.stepResults());
  }

  private static <T> KafkaSource<T> topic(
      MissionJobOptions options, String topic, KafkaRecordDeserializationSchema<T> deserializer) {
    return continuing(options, topic, deserializer).build();
  }

  /**
   * A topic read as the job's consumer group from where the last job committed: a fresh job (no
   * checkpoint) never re-runs old missions.
   */
  private static <T> KafkaSourceBuilder<T> continuing(
      MissionJobOptions options, String topic, KafkaRecordDeserializationSchema<T> deserializer) {
    return builder(options, topic, deserializer)
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setProperty("partition.discovery.interval.ms", "60000");
  }

  /** A topic on the job's brokers, as its consumer group, each fetch waiting 100 ms at most. */
  private static <T> KafkaSourceBuilder<T> builder(
      MissionJobOptions options, String topic, KafkaRecordDeserializationSchema<T> deserializer) {
    return KafkaSource.<T>builder()
        .setBootstrapServers(options.kafkaBootstrapServers())
        .setTopics(topic)
        .setGroupId(options.consumerGroupId())
        .setDeserializer(deserializer)
        .setProperty("fetch.max.wait.ms", "100");
  }
}
