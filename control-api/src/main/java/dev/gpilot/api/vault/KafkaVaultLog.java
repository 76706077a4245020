package dev.gpilot.api.vault;

import dev.gpilot.contracts.Topics;
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
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The vault writer's Kafka: {@code gpilot.vault.v1} through an admin client, a transactional producer and the feed. */
final class KafkaVaultLog implements VaultLog {
  private final String bootstrapServers;
  private final String transactionalId;
  private final VaultFeed feed;
  private final Admin admin;
  private Map<TopicPartition, OffsetSpec> partitions;

  KafkaVaultLog(String bootstrapServers, String transactionalId, VaultFeed feed) {
    this.bootstrapServers = bootstrapServers;
    this.transactionalId = transactionalId;
    this.feed = feed;
    this.admin = Admin.create(KafkaClientConfigs.writerAdmin(bootstrapServers));
  }

  @Override
  public Producer<String, byte[]> producer() {
    Properties props = KafkaClientConfigs.fencedTransactional(bootstrapServers, transactionalId);
    // A rotation writes every secret of a workspace in one transaction: records up to 8 MiB (the feed reads as much).
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(8 * 1024 * 1024));
    KafkaProducer<String, byte[]> p = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
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
        admin.describeTopics(List.of(Topics.VAULT)).allTopicNames().get(15, TimeUnit.SECONDS).get(Topics.VAULT)
            .partitions().forEach(info -> request.put(new TopicPartition(Topics.VAULT, info.partition()),
                OffsetSpec.latest()));
        partitions = request;
      }
      admin.listOffsets(partitions, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
          .get(15, TimeUnit.SECONDS).forEach((tp, info) -> end.put(tp.partition(), info.offset()));
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read the end of " + Topics.VAULT + ": " + e, e);
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
