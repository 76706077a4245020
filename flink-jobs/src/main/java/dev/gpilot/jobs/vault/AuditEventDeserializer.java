package dev.gpilot.jobs.vault;

import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads {@code gpilot.audit.v1}; an invalid record is logged (without its value) and skipped. */
public final class AuditEventDeserializer implements KafkaRecordDeserializationSchema<AuditEvent> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(AuditEventDeserializer.class);

  private transient JsonCodec<AuditEvent> codec;

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    codec = JsonCodec.of(AuditEvent.class);
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<AuditEvent> out) {
    if (record.value() == null) {
      return;
    }
    try {
      out.collect(codec.decode(record.value()));
    } catch (CodecException e) {
      LOG.warn(
          "skipping invalid audit record {}-{}@{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
    }
  }

  @Override
  public TypeInformation<AuditEvent> getProducedType() {
    return JsonTypeInfo.of(AuditEvent.class);
  }
}
