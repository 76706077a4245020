package dev.gpilot.contracts.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.contracts.TopicAdmin;
import dev.gpilot.contracts.Topics;
import dev.gpilot.testing.KafkaTestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The topics G-Pilot creates and the client presets every writer and follower uses, on a real
 * broker.
 */
class KafkaClientsITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();

  @BeforeAll
  static void topics() throws Exception {
    // Two processes starting together: both must succeed, neither may see the other's topics as an
    // error.
    CompletableFuture<Void> a =
        CompletableFuture.runAsync(() -> TopicAdmin.ensureTopics(KAFKA.bootstrapServers()));
    CompletableFuture<Void> b =
        CompletableFuture.runAsync(() -> TopicAdmin.ensureTopics(KAFKA.bootstrapServers()));
    CompletableFuture.allOf(a, b).get(120, TimeUnit.SECONDS);
  }

  @Test
  void ensureTopics_createsEveryTopicWithItsPartitionsAndSettings_andCanRunAgain()
      throws Exception {
    TopicAdmin.ensureTopics(KAFKA.bootstrapServers());
    try (Admin admin = Admin.create(KafkaClientConfigs.writerAdmin(KAFKA.bootstrapServers()))) {
      List<String> names = Topics.all().stream().map(Topics.Spec::name).toList();
      Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
      Map<ConfigResource, Config> configs =
          admin
              .describeConfigs(
                  names.stream()
                      .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
                      .toList())
              .all()
              .get();
      for (Topics.Spec spec : Topics.all()) {
        assertThat(described.get(spec.name()).partitions())
            .as(spec.name())
            .hasSize(spec.partitions());
        Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()));
        spec.config()
            .forEach(
                (key, value) ->
                    assertThat(config.get(key).value())
                        .as(spec.name() + " " + key)
                        .isEqualTo(value));
      }
      assertThat(
              configs
                  .get(new ConfigResource(ConfigResource.Type.TOPIC, Topics.VAULT))
                  .get("cleanup.policy")
                  .value())
          .as("the vault keeps each workspace's newest record")
          .isEqualTo("compact");
    }
  }

  @Test
  void aFencedWriter_isFencedByTheNextOneWithItsId_andFollowersSeeOnlyCommittedRecords()
      throws Exception {
    String topic = Topics.CONTROL_PLANE;
    Properties first =
        KafkaClientConfigs.fencedTransactional(KAFKA.bootstrapServers(), "test-writer");
    try (KafkaProducer<String, String> old =
        new KafkaProducer<>(first, new StringSerializer(), new StringSerializer())) {
      old.initTransactions();
      old.beginTransaction();
      old.send(new ProducerRecord<>(topic, "k", "from-the-old-writer")).get();
      try (KafkaProducer<String, String> next =
          new KafkaProducer<>(
              KafkaClientConfigs.fencedTransactional(KAFKA.bootstrapServers(), "test-writer"),
              new StringSerializer(),
              new StringSerializer())) {
        next.initTransactions(); // aborts the old writer's open transaction and fences it
        next.beginTransaction();
        next.send(new ProducerRecord<>(topic, "k", "from-the-new-writer")).get();
        next.commitTransaction();
      }
      assertThatThrownBy(old::commitTransaction)
          .isInstanceOfAny(ProducerFencedException.class, KafkaException.class);
    }

    Properties follower = KafkaClientConfigs.followingConsumer(KAFKA.bootstrapServers());
    follower.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    assertThat(readAll(follower, topic)).containsExactly("from-the-new-writer");
  }

  @Test
  void durableAndBestEffortProducers_deliverToTheTopic() throws Exception {
    String topic = Topics.STEP_DELTAS;
    try (KafkaProducer<String, String> durable =
            new KafkaProducer<>(
                KafkaClientConfigs.boundedDurableProducer(KAFKA.bootstrapServers()),
                new StringSerializer(),
                new StringSerializer());
        KafkaProducer<String, String> bestEffort =
            new KafkaProducer<>(
                KafkaClientConfigs.bestEffortProducer(KAFKA.bootstrapServers()),
                new StringSerializer(),
                new StringSerializer())) {
      durable.send(new ProducerRecord<>(topic, 0, "m", "durable")).get();
      bestEffort.send(new ProducerRecord<>(topic, 0, "m", "best-effort")).get();
    }
    assertThat(readAll(KafkaClientConfigs.followingConsumer(KAFKA.bootstrapServers()), topic))
        .containsExactly("durable", "best-effort");
    try (Admin admin = Admin.create(KafkaClientConfigs.writerAdmin(KAFKA.bootstrapServers()))) {
      TopicPartition p0 = new TopicPartition(topic, 0);
      assertThat(
              admin.listOffsets(Map.of(p0, OffsetSpec.latest())).partitionResult(p0).get().offset())
          .isEqualTo(2);
    }
  }

  @Test
  void flinksSinkPreset_leavesTheBootstrapToTheSink_andStaysWithinTheBrokersTransactionTimeout() {
    Properties props = KafkaClientConfigs.flinkSinkProducer();
    assertThat(props).doesNotContainKey("bootstrap.servers");
    // The broker refuses a transaction timeout above transaction.max.timeout.ms (15 min by
    // default).
    assertThat(Long.parseLong(props.getProperty("transaction.timeout.ms")))
        .isLessThanOrEqualTo(15 * 60_000L);
    assertThat(props).containsEntry("acks", "all").containsEntry("enable.idempotence", "true");
  }

  /**
   * Every value of {@code topic} from its beginning to its current end (in offset order within a
   * partition).
   */
  private static List<String> readAll(Properties props, String topic) {
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .collect(Collectors.toList());
      consumer.assign(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          values.add(record.value());
        }
      }
    }
    return values;
  }
}
