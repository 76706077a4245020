package dev.gpilot.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What a topic holds now, from its beginning to its current end, as a plain consumer of an
 * integration reads it.
 */
public final class TopicContents {
  private TopicContents() {}

  /**
   * Every record of every partition up to the end offsets at the time of the call (partition order,
   * then offset).
   */
  public static List<ConsumerRecord<byte[], byte[]>> read(String bootstrapServers, String topic) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
            records.add(record);
          }
        }
      }
    }
    return records;
  }

  /**
   * Every record a new consumer group reads from the topic's beginning, as strings, until it has
   * polled three times in a row (half a second each) without a record, or twenty times while it has
   * read none: a quiet spell lets records still on their way arrive.
   */
  public static List<ConsumerRecord<String, String>> readUntilQuiet(
      Properties clientProperties, String topic) {
    Properties props = new Properties();
    props.putAll(clientProperties);
    props.put("group.id", "topic-contents-" + System.nanoTime());
    props.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      int emptyPolls = 0;
      while (emptyPolls < 3 || records.isEmpty() && emptyPolls < 20) {
        var polled = consumer.poll(Duration.ofMillis(500));
        emptyPolls = polled.isEmpty() ? emptyPolls + 1 : 0;
        polled.forEach(records::add);
      }
    }
    return records;
  }
}
