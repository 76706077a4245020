package dev.gpilot.jobs.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gpilot.contracts.TopicAdmin;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.kafka.KafkaClientConfigs;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.contracts.vault.VaultRecord;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.TopicContents;
import dev.gpilot.vault.VaultChanges;
import dev.gpilot.vault.VaultMasterKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's copy of gpilot.vault.v1 on a real broker: each workspace's newest record, a deleted
 * vault gone, bad records skipped, changes after start-up seen without a restart, one reader per
 * cluster shared by its users; and the audit events the job writes.
 */
class VaultReaderITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  private static final JsonCodec<VaultRecord> CODEC = JsonCodec.of(VaultRecord.class);
  @TempDir static Path dir;
  private static VaultMasterKey master;

  @BeforeAll
  static void topics() {
    TopicAdmin.ensureTopics(KAFKA.bootstrapServers());
    master = VaultMasterKey.localKeyset(dir.resolve("master-keyset.json"), true);
  }

  @Test
  void keepsEachWorkspacesNewestRecord_followsChanges_andIsSharedUntilItsLastUserLeaves()
      throws Exception {
    VaultChanges.Result a1 = set(null, "ws-a", "key-1");
    VaultChanges.Result a2 =
        VaultChanges.set(
            master, a1.record(), a1.keys(), "ws-a", "gemini", bytes("key-2"), "alice", 2_000);
    VaultChanges.Result b1 = set(null, "ws-b", "key-b");
    VaultChanges.Result c1 = set(null, "ws-c", "key-c");
    try (KafkaProducer<String, byte[]> producer = producer()) {
      send(producer, "ws-a", CODEC.encode(a2.record()));
      send(
          producer,
          "ws-a",
          CODEC.encode(a1.record())); // an older revision after a newer one: ignored
      send(
          producer,
          "ws-b",
          "{\"not\": \"a vault record\"}".getBytes(StandardCharsets.UTF_8)); // skipped
      send(producer, "ws-b", CODEC.encode(b1.record()));
      send(producer, "ws-c", CODEC.encode(c1.record()));
      send(producer, "ws-c", null); // the workspace's vault was deleted
      producer.flush();
    }

    VaultReader reader = VaultReader.acquire(KAFKA.bootstrapServers());
    VaultReader again = VaultReader.acquire(KAFKA.bootstrapServers());
    try {
      assertThat(again).as("one reader per cluster").isSameAs(reader);
      assertThat(reader.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
      assertThat(reader.record("ws-a")).contains(a2.record());
      assertThat(reader.record("ws-b")).contains(b1.record());
      assertThat(reader.record("ws-c")).isEmpty();
      assertThat(reader.record("ws-never")).isEmpty();

      VaultReader.release(again); // one user left: it keeps following
      VaultChanges.Result a3 =
          VaultChanges.set(
              master, a2.record(), a2.keys(), "ws-a", "gemini", bytes("key-3"), "alice", 3_000);
      try (KafkaProducer<String, byte[]> producer = producer()) {
        send(producer, "ws-a", CODEC.encode(a3.record()));
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(reader.record("ws-a")).contains(a3.record()));
    } finally {
      VaultReader.release(reader);
    }
    assertThat(VaultReader.acquire(KAFKA.bootstrapServers()))
        .as("a new reader after the last release")
        .isNotSameAs(reader)
        .satisfies(VaultReader::release);
  }

  @Test
  void theJobsAuditEvents_reachTheAuditTopic_keyedByWorkspace() throws Exception {
    AuditEvent decrypt =
        new AuditEvent(
            "audit-1",
            "ws-a",
            5_000,
            AuditEvent.SECRET_DECRYPT,
            "job",
            "job",
            "gemini",
            1,
            2,
            "fp",
            "ok",
            null,
            "m-1",
            "s1",
            1);
    try (AuditSink sink = AuditSink.kafka(KAFKA.bootstrapServers())) {
      sink.emit(decrypt);
    } // close waits for what was sent
    List<ConsumerRecord<byte[], byte[]>> written =
        TopicContents.read(KAFKA.bootstrapServers(), Topics.AUDIT);
    assertThat(written)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("ws-a");
              assertThat(JsonCodec.of(AuditEvent.class).decode(r.value())).isEqualTo(decrypt);
            });
  }

  private static VaultChanges.Result set(VaultRecord current, String workspace, String value) {
    return VaultChanges.set(
        master, current, null, workspace, "gemini", bytes(value), "alice", 1_000);
  }

  private static KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(
        KafkaClientConfigs.durableProducer(KAFKA.bootstrapServers()),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  private static void send(KafkaProducer<String, byte[]> producer, String key, byte[] value)
      throws Exception {
    producer.send(new ProducerRecord<>(Topics.VAULT, key, value)).get();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
