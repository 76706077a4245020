package dev.gpilot.api.vault;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.vault.VaultRecord;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
 * Reads {@code gpilot.vault.v1} from the beginning into the {@link VaultStore} and keeps following it, on one thread,
 * without a consumer group (every API instance reads everything). It reads committed records only: a write whose
 * transaction was aborted (a fenced or crashed writer) is never seen.
 */
public final class VaultFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VaultFeed.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private final VaultStore store;
  private final JsonCodec<VaultRecord> codec = JsonCodec.of(VaultRecord.class);
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final Map<Integer, Long> positions = new HashMap<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean failed;

  public VaultFeed(String bootstrapServers, VaultStore store) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.store = store;
    this.thread = new Thread(this::run, "vault-feed");
    this.thread.setDaemon(true);
  }

  public void start() {
    List<TopicPartition> partitions = consumer.partitionsFor(Topics.VAULT, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread.start();
  }

  /** Waits until everything committed when the feed started has been applied. */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public boolean caughtUp() {
    return caughtUp.getCount() == 0 && !failed;
  }

  /**
   * Waits until the feed has applied every record below the given offsets (partition → offset).
   *
   * @return false when that did not happen within {@code timeout}
   */
  public boolean awaitOffsets(Map<Integer, Long> offsets, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (positions) {
      while (!reached(offsets)) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0 || failed) {
          return false;
        }
        positions.wait(Math.min(left, 100));
      }
      return true;
    }
  }

  private boolean reached(Map<Integer, Long> offsets) {
    return offsets.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue());
  }

  private void run() {
    try {
      Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          apply(record);
        }
        synchronized (positions) {
          for (TopicPartition tp : consumer.assignment()) {
            positions.put(tp.partition(), consumer.position(tp));
          }
          positions.notifyAll();
        }
        if (caughtUp.getCount() > 0
            && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
          LOG.info("vault feed caught up: {} workspaces with a vault", store.size());
          caughtUp.countDown();
        }
      }
    } catch (WakeupException e) {
      if (running) {
        failed = true;
        throw e;
      }
    } catch (RuntimeException e) {
      failed = true;
      LOG.error("vault feed stopped", e);
      throw e;
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      if (record.key() != null) {
        store.remove(record.key());
      }
      return;
    }
    try {
      store.apply(codec.decode(record.value()));
    } catch (CodecException e) {
      // The message names the field, never its content (records hold ciphertexts only anyway).
      LOG.warn("skipping invalid vault record {}@{}: {}", record.partition(), record.offset(), e.getMessage());
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(10_000);
  }
}
