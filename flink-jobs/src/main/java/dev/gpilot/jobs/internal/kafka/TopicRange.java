package dev.gpilot.jobs.internal.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The offsets a bounded read of a topic takes, per partition: from the first record written at or
 * after a time to the end of the partition now (the starting and stopping offsets of a bounded
 * {@code KafkaSource}), and how many records that is.
 */
public record TopicRange(
    Map<TopicPartition, Long> start, Map<TopicPartition, Long> end, long records) {

  /**
   * @throws IllegalStateException when the topic does not exist
   */
  public static TopicRange since(String bootstrapServers, String topic, long sinceMs) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      if (partitions.isEmpty()) {
        throw new IllegalStateException(topic + " does not exist at " + bootstrapServers);
      }
      Map<TopicPartition, Long> first = consumer.beginningOffsets(partitions);
      Map<TopicPartition, Long> last = consumer.endOffsets(partitions);
      Map<TopicPartition, Long> times = new HashMap<>();
      partitions.forEach(p -> times.put(p, sinceMs));
      Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(times);
      Map<TopicPartition, Long> start = new HashMap<>();
      long records = 0;
      for (TopicPartition p : partitions) {
        OffsetAndTimestamp at = found.get(p);
        long s = at == null ? last.get(p) : Math.max(first.get(p), at.offset());
        start.put(p, s);
        records += last.get(p) - s;
      }
      return new TopicRange(Map.copyOf(start), Map.copyOf(last), records);
    }
  }

  /**
   * A source reading this range of {@code topic} once, to its end, as {@code groupId}: a replay, so
   * it commits no offsets and looks for no new partitions.
   */
  public <T> KafkaSourceBuilder<T> source(
      String bootstrapServers,
      String topic,
      String groupId,
      KafkaRecordDeserializationSchema<T> deserializer) {
    return KafkaSource.<T>builder()
        .setBootstrapServers(bootstrapServers)
        .setTopics(topic)
        .setGroupId(groupId)
        .setStartingOffsets(OffsetsInitializer.offsets(start))
        .setBounded(OffsetsInitializer.offsets(end))
        .setDeserializer(deserializer)
        .setProperty("commit.offsets.on.checkpoint", "false")
        .setProperty("partition.discovery.interval.ms", "-1");
  }
}
