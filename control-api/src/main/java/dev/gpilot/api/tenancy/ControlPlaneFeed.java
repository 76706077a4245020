package dev.gpilot.api.tenancy;

import dev.gpilot.api.kafka.TopicFollower;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
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
 * Reads {@code gpilot.control-plane.v1} from the beginning into the {@link ControlPlaneStore} and keeps following
 * it (no consumer group: every API instance reads everything; committed records only), as {@code VaultFeed} does
 * for the vault. A revocation written through one instance is in force on the others once this feed has read it:
 * it polls with a 50 ms fetch wait, so within well under a second.
 */
public final class ControlPlaneFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneFeed.class);

  private final ControlPlaneStore store;
  private final JsonCodec<ControlPlaneRecord> codec = JsonCodec.of(ControlPlaneRecord.class);
  private final TopicFollower follower;

  public ControlPlaneFeed(String bootstrapServers, ControlPlaneStore store) {
    this.store = store;
    this.follower = new TopicFollower("control-plane-feed", bootstrapServers,
        Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50"),
        List.of(Topics.CONTROL_PLANE), this::apply,
        () -> LOG.info("control-plane feed caught up: {} records", store.size()));
  }

  public void start() {
    follower.start();
  }

  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return follower.awaitCaughtUp(timeout);
  }

  public TopicFollower.Health health() {
    return follower.health();
  }

  /** Waits until the feed has applied every record below the given offsets (partition → offset). */
  public boolean awaitOffsets(Map<Integer, Long> offsets, Duration timeout) throws InterruptedException {
    return follower.awaitPositions(offsets.entrySet().stream().collect(
        Collectors.toMap(e -> new TopicPartition(Topics.CONTROL_PLANE, e.getKey()), Map.Entry::getValue)), timeout);
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
      LOG.warn("skipping invalid control-plane record {}@{}: {}", record.partition(), record.offset(),
          e.getMessage());
    }
  }

  @Override
  public void close() throws InterruptedException {
    follower.close();
  }
}
