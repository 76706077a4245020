package dev.gpilot.jobs.vault;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.kafka.KafkaClientConfigs;
import dev.gpilot.contracts.vault.VaultRecord;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's copy of {@code gpilot.vault.v1}: each workspace's newest sealed record, kept current by
 * a background consumer (committed records only, no consumer group), so a key set or rotated
 * through the API reaches running steps within moments, without a restart. It holds ciphertexts
 * only; {@link VaultKeyResolver} decrypts on demand.
 *
 * <p>One reader per JVM and Kafka cluster, shared by every task of the job there ({@link
 * #acquire}/{@link #release}); it is derived from a compacted topic, so it needs no Flink state or
 * checkpoint.
 */
public final class VaultReader {
  private static final Logger LOG = LoggerFactory.getLogger(VaultReader.class);
  private static final Map<String, VaultReader> SHARED = new HashMap<>();

  private final String bootstrapServers;
  private final ConcurrentHashMap<String, VaultRecord> records = new ConcurrentHashMap<>();
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final JsonCodec<VaultRecord> codec = JsonCodec.of(VaultRecord.class);
  private KafkaConsumer<String, byte[]> consumer;
  private Thread thread;
  private volatile boolean running = true;
  private int users;

  private VaultReader(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  /** The JVM's reader for this Kafka cluster, started on first use. Pair with {@link #release}. */
  public static synchronized VaultReader acquire(String bootstrapServers) {
    VaultReader reader = SHARED.computeIfAbsent(bootstrapServers, VaultReader::new);
    if (reader.users++ == 0) {
      reader.start();
    }
    return reader;
  }

  /** Stops the reader when its last user releases it. */
  public static void release(VaultReader reader) {
    synchronized (VaultReader.class) {
      if (--reader.users > 0) {
        return;
      }
      SHARED.remove(reader.bootstrapServers, reader);
    }
    reader.stop();
  }

  private void start() {
    Properties props = KafkaClientConfigs.followingConsumer(bootstrapServers);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
    consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    thread = new Thread(this::run, "vault-reader");
    thread.setDaemon(true);
    thread.start();
  }

  /** The workspace's newest record, if it has a vault. */
  public Optional<VaultRecord> record(String workspaceId) {
    return Optional.ofNullable(records.get(workspaceId));
  }

  /** Waits until the records committed when the reader started have been read. */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void run() {
    try {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.VAULT, Duration.ofSeconds(60)).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          apply(record);
        }
        if (caughtUp.getCount() > 0
            && end.entrySet().stream()
                .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
          LOG.info("vault reader caught up: {} workspaces with a vault", records.size());
          caughtUp.countDown();
        }
      }
    } catch (WakeupException e) {
      if (running) {
        LOG.error("vault reader woken up unexpectedly", e);
      }
    } catch (RuntimeException e) {
      LOG.error("vault reader stopped; workspace keys will not be updated", e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      if (record.key() != null) {
        records.remove(record.key());
      }
      return;
    }
    try {
      VaultRecord next = codec.decode(record.value());
      records.merge(
          next.workspaceId(), next, (held, r) -> r.revision() > held.revision() ? r : held);
    } catch (CodecException e) {
      LOG.warn(
          "skipping invalid vault record {}@{}: {}",
          record.partition(),
          record.offset(),
          e.getMessage());
    }
  }

  private void stop() {
    running = false;
    if (consumer != null) {
      consumer.wakeup();
    }
    if (thread != null) {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
