package dev.gpilot.jobs.rebuild;

import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads {@code gpilot.missions.v1} as the submission time of each record's mission, with the
 * record's offset: the scheduler keeps the first record of a missionId it reads (the lowest offset;
 * the topic is keyed by missionId) and takes its {@code ts} as the mission's {@code submittedAt},
 * which no event carries. Records that are not valid submissions are skipped, as the job skips
 * them.
 */
final class SubmissionTimes implements KafkaRecordDeserializationSchema<SubmissionTimes.Submitted> {
  private static final long serialVersionUID = 1L;

  /** A mission's submission record: where it is on its partition, and its time. */
  public record Submitted(String missionId, long offset, long ts) {
    /** The one the scheduler read first. */
    Submitted first(Submitted other) {
      return other == null || offset <= other.offset ? this : other;
    }
  }

  private transient JsonCodec<MissionSubmitted> codec;

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    codec = JsonCodec.of(MissionSubmitted.class);
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Submitted> out) {
    if (record.value() == null) {
      return;
    }
    try {
      MissionSubmitted s = codec.decode(record.value());
      out.collect(new Submitted(s.missionId(), record.offset(), s.ts()));
    } catch (CodecException e) {
      // Not a submission the scheduler accepts: no mission of it to summarize.
    }
  }

  @Override
  public TypeInformation<Submitted> getProducedType() {
    return JsonTypeInfo.of(Submitted.class);
  }
}
