package dev.gpilot.jobs.ingest;

import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.contracts.step.StepResultCostCodec;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one of the job's input topics as its contract records ({@code T}), each passed on as an
 * {@code R}. The topics are open to integrations, so a record that is not a valid contract record
 * is logged (without its value), counted ({@code invalidRecords}) and skipped, never a reason to
 * fail the job.
 */
public final class ContractDeserializer<T, R> implements KafkaRecordDeserializationSchema<R> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ContractDeserializer.class);

  private final Class<T> type;
  private final Class<R> produced;
  private final SerializableWrap<T, R> wrap;

  /** Reads the values; null for the type's full {@link JsonCodec}. */
  private final SerializableDecoder<T> decoder;

  private transient Function<byte[], T> decode;
  private transient Counter invalid;

  private ContractDeserializer(Class<T> type, Class<R> produced, SerializableWrap<T, R> wrap) {
    this(type, produced, wrap, null);
  }

  private ContractDeserializer(
      Class<T> type,
      Class<R> produced,
      SerializableWrap<T, R> wrap,
      SerializableDecoder<T> decoder) {
    this.type = type;
    this.produced = produced;
    this.wrap = wrap;
    this.decoder = decoder;
  }

  public static ContractDeserializer<MissionSubmitted, SchedulerInput> missions() {
    return new ContractDeserializer<>(
        MissionSubmitted.class, SchedulerInput.class, SchedulerInput::of);
  }

  public static ContractDeserializer<MissionControl, SchedulerInput> control() {
    return new ContractDeserializer<>(
        MissionControl.class, SchedulerInput.class, SchedulerInput::of);
  }

  public static ContractDeserializer<StepDelta, SchedulerInput> stepDeltas() {
    return new ContractDeserializer<>(StepDelta.class, SchedulerInput.class, SchedulerInput::of);
  }

  /** Step results as they are: the scheduler and the cost pipeline both read them (MissionJob). */
  public static ContractDeserializer<StepResult, StepResult> stepResults() {
    return new ContractDeserializer<>(StepResult.class, StepResult.class, r -> r);
  }

  /**
   * Step results for costing alone (a cost replay, {@code CostReplayJob}): each without its {@code
   * output} and {@code error}, which are skipped rather than built ({@link StepResultCostCodec});
   * the same records are skipped as invalid as by {@link #stepResults()}.
   */
  public static ContractDeserializer<StepResult, StepResult> stepResultsForCosts() {
    return new ContractDeserializer<>(
        StepResult.class, StepResult.class, r -> r, StepResultCostCodec::decode);
  }

  /** Control-plane records as they are (the budget gate keeps the budgets). */
  public static ContractDeserializer<ControlPlaneRecord, ControlPlaneRecord> controlPlane() {
    return new ContractDeserializer<>(ControlPlaneRecord.class, ControlPlaneRecord.class, r -> r);
  }

  /** Audit events as they are (the job copies them to ClickHouse). */
  public static ContractDeserializer<AuditEvent, AuditEvent> auditEvents() {
    return new ContractDeserializer<>(AuditEvent.class, AuditEvent.class, e -> e);
  }

  /** Mission events as they are (a rebuild of ClickHouse's tables reads them). */
  public static ContractDeserializer<MissionEvent, MissionEvent> missionEvents() {
    return new ContractDeserializer<>(MissionEvent.class, MissionEvent.class, e -> e);
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    decode = decoder != null ? decoder : JsonCodec.of(type)::decode;
    invalid = context.getMetricGroup().counter("invalidRecords");
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<R> out) {
    if (record.value() == null) {
      return;
    }
    try {
      out.collect(wrap.apply(decode.apply(record.value())));
    } catch (CodecException e) {
      invalid.inc();
      String key = record.key() == null ? "-" : new String(record.key(), StandardCharsets.UTF_8);
      LOG.warn(
          "skipping invalid record on {}-{}@{} (key {}): {}",
          record.topic(),
          record.partition(),
          record.offset(),
          key,
          e.getMessage());
    }
  }

  @Override
  public TypeInformation<R> getProducedType() {
    return JsonTypeInfo.of(produced);
  }

  /** A serializable decoding function: bytes to a record, or a {@link CodecException}. */
  interface SerializableDecoder<T> extends Function<byte[], T>, java.io.Serializable {}

  /** A serializable wrapping function. */
  interface SerializableWrap<T, R> extends Function<T, R>, java.io.Serializable {}
}
