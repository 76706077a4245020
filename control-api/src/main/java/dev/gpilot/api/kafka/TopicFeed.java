package dev.gpilot.api.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A feed of the API: one {@link TopicFollower} that reads topics from the beginning, without a
 * consumer group (every API instance reads everything), and hands each record to the domain's
 * {@link #apply}. Subclasses say what a record means; this class owns the follower's life (start,
 * caught up, health, close).
 */
public abstract class TopicFeed implements AutoCloseable {
  private final TopicFollower follower;

  /**
   * @param name the follower thread's name
   * @param settings consumer settings besides the servers (see {@link TopicFollower})
   */
  protected TopicFeed(
      String name, String bootstrapServers, Map<String, String> settings, List<String> topics) {
    this(name, bootstrapServers, settings, topics, null);
  }

  /**
   * @param lookback read the records written this long before the start and later; null for the
   *     whole topics (see {@link TopicFollower})
   */
  protected TopicFeed(
      String name,
      String bootstrapServers,
      Map<String, String> settings,
      List<String> topics,
      Duration lookback) {
    this.follower =
        new TopicFollower(
            name, bootstrapServers, settings, topics, lookback, this::apply, this::onCaughtUp);
  }

  /**
   * Takes one record, on the follower's thread; a record it cannot use it logs and skips, never
   * throws for.
   */
  protected abstract void apply(ConsumerRecord<String, byte[]> record);

  /**
   * Runs once, on the follower's thread, when what the topics held at the start has been applied.
   */
  protected abstract void onCaughtUp();

  /**
   * Assigns every partition of the topics, from the beginning or the look-back, and starts
   * following them.
   *
   * @throws org.apache.kafka.common.KafkaException when the topics cannot be described (then
   *     nothing started)
   */
  public void start() {
    follower.start();
  }

  /** Waits until everything that was in the topics when the feed started has been applied. */
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
   * Waits until the feed has applied every record below the given offsets of one topic (partition →
   * offset).
   *
   * @return false when that did not happen within {@code timeout}
   */
  protected boolean awaitOffsets(String topic, Map<Integer, Long> offsets, Duration timeout)
      throws InterruptedException {
    Map<TopicPartition, Long> positions = new HashMap<>();
    offsets.forEach(
        (partition, offset) -> positions.put(new TopicPartition(topic, partition), offset));
    return follower.awaitPositions(positions, timeout);
  }

  @Override
  public void close() throws InterruptedException {
    follower.close();
  }
}
