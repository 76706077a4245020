package dev.gpilot.jobs.ingest;

import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.step.StepResult;
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
 * Reads one of the scheduler's input topics. The missions topic is open to integrations, so a record that is not a
 * valid contract record is logged (without its value) and skipped, never a reason to fail the job.
 */
public final class SchedulerInputDeserializer<T> implements KafkaRecordDeserializationSchema<SchedulerInput> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(SchedulerInputDeserializer.class);

  private final Class<T> type;
  private final SerializableWrap<T> wrap;
  private transient JsonCodec<T> codec;
  private transient Counter invalid;

  private SchedulerInputDeserializer(Class<T> type, SerializableWrap<T> wrap) {
    this.type = type;
    this.wrap = wrap;
  }

  public static SchedulerInputDeserializer<MissionSubmitted> missions() {
    return new SchedulerInputDeserializer<>(MissionSubmitted.class, SchedulerInput::of);
  }

  public static SchedulerInputDeserializer<MissionControl> control() {
    return new SchedulerInputDeserializer<>(MissionControl.class, SchedulerInput::of);
  }

  public static SchedulerInputDeserializer<StepResult> stepResults() {
    return new SchedulerInputDeserializer<>(StepResult.class, SchedulerInput::of);
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    codec = JsonCodec.of(type);
    invalid = context.getMetricGroup().counter("invalidRecords");
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SchedulerInput> out) {
    if (record.value() == null) {
      return;
    }
    try {
      out.collect(wrap.apply(codec.decode(record.value())));
    } catch (CodecException e) {
      invalid.inc();
      String key = record.key() == null ? "-" : new String(record.key(), StandardCharsets.UTF_8);
      LOG.warn("skipping invalid record on {}-{}@{} (key {}): {}", record.topic(), record.partition(),
          record.offset(), key, e.getMessage());
    }
  }

  @Override
  public TypeInformation<SchedulerInput> getProducedType() {
    return JsonTypeInfo.of(SchedulerInput.class);
  }

  /** A serializable wrapping function. */
  interface SerializableWrap<T> extends Function<T, SchedulerInput>, java.io.Serializable {}
}
