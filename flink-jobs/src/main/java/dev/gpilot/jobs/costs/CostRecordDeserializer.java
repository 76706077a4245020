package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.json.CodecException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code gpilot.step-results.v1} as cost records: a {@link CostRecord} has the {@code StepResult}'s field
 * names, so the result is read straight into it ({@link CostRecordJson}; its output and error are skipped
 * unparsed). Every step result is a finished attempt and yields one cost record. A record that cannot be read is logged and skipped,
 * as the scheduler does.
 */
public final class CostRecordDeserializer implements KafkaRecordDeserializationSchema<CostRecord> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(CostRecordDeserializer.class);

  private transient Counter invalid;

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    invalid = context.getMetricGroup().counter("invalidRecords");
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<CostRecord> out) {
    if (record.value() == null) {
      return;
    }
    try {
      out.collect(CostRecordJson.readStepResult(record.value()));
    } catch (CodecException e) {
      invalid.inc();
      LOG.warn("skipping unreadable step result on {}-{}@{}: {}", record.topic(), record.partition(),
          record.offset(), e.getMessage());
    }
  }

  @Override
  public TypeInformation<CostRecord> getProducedType() {
    return CostPipeline.COST_RECORD;
  }
}
