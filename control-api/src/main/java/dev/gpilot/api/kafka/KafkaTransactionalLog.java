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
  public KafkaTransactionalLog(
      String bootstrapServers,
      String topic,
      Properties producerSettings,
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

  /**
   * How long {@link #committedEnd} waits for the markers of a transaction that was just committed.
   */
  static final Duration MARKER_WAIT = Duration.ofSeconds(1);

  @Override
  public Map<Integer, Long> committedEnd() throws InterruptedException {
    if (partitions == null) {
      Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
      try {
        admin
            .describeTopics(List.of(topic))
            .allTopicNames()
            .get(15, TimeUnit.SECONDS)
            .get(topic)
            .partitions()
            .forEach(
                info ->
                    request.put(new TopicPartition(topic, info.partition()), OffsetSpec.latest()));
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("cannot read the end of " + topic + ": " + e, e);
      }
      partitions = request;
    }
    // Right after another instance's commit returns, the markers that make its records readable may
    // not be written
    // yet: the last stable offset is then still before them, below the high watermark, and its
    // write would be missed.
    // So while the two differ, wait a moment for the markers. They differ for longer only while a
    // transaction is open
    // (another instance writing now, or one that died mid-way until it is fenced or times out):
    // then the stable end
    // is what there is to read.
    long deadline = System.nanoTime() + MARKER_WAIT.toNanos();
    Map<Integer, Long> stable = end(IsolationLevel.READ_COMMITTED);
    while (!stable.equals(end(IsolationLevel.READ_UNCOMMITTED)) && System.nanoTime() < deadline) {
      Thread.sleep(10);
      stable = end(IsolationLevel.READ_COMMITTED);
    }
    return stable;
  }

  private Map<Integer, Long> end(IsolationLevel isolation) throws InterruptedException {
    Map<Integer, Long> end = new LinkedHashMap<>();
    try {
      admin
          .listOffsets(partitions, new ListOffsetsOptions(isolation))
          .all()
          .get(15, TimeUnit.SECONDS)
          .forEach((tp, info) -> end.put(tp.partition(), info.offset()));
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read the end of " + topic + ": " + e, e);
    }
    return end;
  }

  @Override
  public boolean awaitApplied(Map<Integer, Long> offsets, Duration timeout)
      throws InterruptedException {
    return feed.awaitOffsets(offsets, timeout);
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(2));
  }
}
