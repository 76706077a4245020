package dev.gpilot.api.vault;

import dev.gpilot.contracts.Topics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
    this.admin = Admin.create(props);
  }

  @Override
  public Producer<String, byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(8 * 1024 * 1024));
    // A writer that dies mid-transaction holds back readers (read_committed) until the next writer starts or
    // this timeout aborts it: keep it short; a write, even a rotation of 1,000 secrets, takes well under a second.
    props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "15000");
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
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
      // The high watermark, not the last stable offset: right after another instance's commit returns, the markers
      // that make its records readable may not be written yet, and the stable offset would still be before them (its
      // write would be missed). The feed reads committed records only and reaches this offset once the markers are in.
      admin.listOffsets(partitions, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all()
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
