package dev.gpilot.jobs.agents;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.step.StepResult;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The step attempts that finished after the job's last committed checkpoint: read from {@code
 * gpilot.step-results.v1} between the offsets the job's consumer group committed (where none is
 * committed: the earliest, as the job's source starts there too) and the end of the topic.
 *
 * <p>Why: after a restore, Flink's async operator runs again every request that was in flight at
 * the checkpoint. Some of those finished (and were paid for) before the failure; their results are
 * already in the topic and will reach the scheduler again. Skipping them means finished work is
 * never redone; only attempts that were really interrupted run once more.
 */
final class CompletedAttempts {
  private CompletedAttempts() {}

  /** The results, by attempt id, in the topic after the group's committed offsets. */
  static Map<String, StepResult> since(String bootstrapServers, String groupId) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    JsonCodec<StepResult> codec = JsonCodec.of(StepResult.class);
    Map<String, StepResult> done = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.STEP_RESULTS, Duration.ofSeconds(30)).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      Map<TopicPartition, OffsetAndMetadata> committed =
          consumer.committed(new HashSet<>(partitions));
      Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      for (TopicPartition tp : partitions) {
        // Where the job's source starts on this partition: the committed offset, else the earliest
        // (a job that
        // failed before its first checkpoint completed reads the topic again from there, and runs
        // again every
        // attempt it finds no result for).
        OffsetAndMetadata c = committed.get(tp);
        consumer.seek(tp, c == null ? beginning.get(tp) : Math.max(c.offset(), beginning.get(tp)));
      }
      long deadline = System.currentTimeMillis() + 60_000;
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
          && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          try {
            StepResult result = codec.decode(record.value());
            done.put(result.id(), result);
          } catch (CodecException | NullPointerException e) {
            // Not a result we could have produced: nothing to skip.
          }
        }
      }
    }
    return done;
  }
}
