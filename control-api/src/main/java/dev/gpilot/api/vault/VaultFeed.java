package dev.gpilot.api.vault;

import dev.gpilot.api.kafka.TopicFollower;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.vault.VaultRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code gpilot.vault.v1} from the beginning into the {@link VaultStore} and keeps following it, on one thread,
 * without a consumer group (every API instance reads everything). It reads committed records only: a write whose
 * transaction was aborted (a fenced or crashed writer) is never seen.
 */
public final class VaultFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VaultFeed.class);

  private final VaultStore store;
  private final JsonCodec<VaultRecord> codec = JsonCodec.of(VaultRecord.class);
  private final TopicFollower follower;

  public VaultFeed(String bootstrapServers, VaultStore store) {
    this.store = store;
    this.follower = new TopicFollower("vault-feed", bootstrapServers,
        Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50",
            ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024)),
        List.of(Topics.VAULT), this::apply,
        () -> LOG.info("vault feed caught up: {} workspaces with a vault", store.size()));
  }

  public void start() {
    follower.start();
  }

  /** Waits until everything committed when the feed started has been applied. */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return follower.awaitCaughtUp(timeout);
  }

  public boolean caughtUp() {
    return follower.caughtUp();
  }

  /** How far the feed follows Kafka now (for {@code /health}). */
  public TopicFollower.Health health() {
    return follower.health();
  }

  /**
   * Waits until the feed has applied every record below the given offsets (partition → offset).
   *
   * @return false when that did not happen within {@code timeout}
   */
  public boolean awaitOffsets(Map<Integer, Long> offsets, Duration timeout) throws InterruptedException {
    return follower.awaitPositions(offsets.entrySet().stream()
        .collect(Collectors.toMap(e -> new TopicPartition(Topics.VAULT, e.getKey()), Map.Entry::getValue)), timeout);
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
    follower.close();
  }
}
