package dev.gpilot.api.kafka;

import dev.gpilot.contracts.kafka.KafkaClientConfigs;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A compacted topic with one fenced writer, in Kafka: producers built from the given settings (a
 * {@link KafkaClientConfigs#fencedTransactional} preset), the committed end through an admin client
 * ({@link KafkaClientConfigs#writerAdmin}), and what is applied through the topic's feed.
 */
public final class KafkaTransactionalLog implements TransactionalLog {
  private final String topic;
  private final Properties producerSettings;
  private final CompactedTopicFeed<?> feed;
  private final Admin admin;
  private Map<TopicPartition, OffsetSpec> partitions;

  /**
   * @param producerSettings settings of the writer's producers, {@code transactional.id} included
   * @param feed the feed that applies the topic to the store the writer computes on
   */
  public KafkaTransactionalLog(String bootstrapServers, String topic, Properties producerSettings,
      CompactedTopicFeed<?> feed) {
    this.topic = topic;
    this.producerSettings = producerSettings;
    this.feed = feed;
    this.admin = Admin.create(KafkaClientConfigs.writerAdmin(bootstrapServers));
  }

  @Override
  public Producer<String, byte[]> producer() {
    KafkaProducer<String, byte[]> p =
        new KafkaProducer<>(producerSettings, new StringSerializer(), new ByteArraySerializer());
    try {
      p.initTransactions();
    } catch (RuntimeException e) {
      p.close(Duration.ZERO);
      throw e;
    }
    return p;
  }

  @Override
  public Map<Integer, Long> committedEnd() throws InterruptedException {
    Map<Integer, Long> end = new LinkedHashMap<>();
    try {
      if (partitions == null) {
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic)
            .partitions().forEach(info -> request.put(new TopicPartition(topic, info.partition()),
                OffsetSpec.latest()));
        partitions = request;
      }
      // The high watermark, not the last stable offset: right after another instance's commit returns, the markers
      // that make its records readable may not be written yet, and the stable offset would still be before them (its
      // write would be missed). The feed reads committed records only and reaches this offset once the markers are in.
      admin.listOffsets(partitions, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all()
          .get(15, TimeUnit.SECONDS).forEach((tp, info) -> end.put(tp.partition(), info.offset()));
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read the end of " + topic + ": " + e, e);
    }
    return end;
  }

  @Override
  public boolean awaitApplied(Map<Integer, Long> offsets, Duration timeout) throws InterruptedException {
    return feed.awaitOffsets(offsets, timeout);
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(2));
  }
}
