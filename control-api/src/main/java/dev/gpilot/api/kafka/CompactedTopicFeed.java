package dev.gpilot.api.kafka;

import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TopicFeed} of one compacted topic of JSON records keyed by what they replace (the vault,
 * the control plane, budget statuses): a record replaces the key's previous one ({@link #put}), a
 * tombstone removes it ({@link #remove}). A record that does not decode is logged, by partition,
 * offset and the codec's message (which names the field, never its content), and skipped.
 *
 * @param <R> the topic's record
 */
public abstract class CompactedTopicFeed<R> extends TopicFeed {
  private final Logger log = LoggerFactory.getLogger(getClass());
  private final String label;
  private final String topic;
  private final String recordName;
  private final JsonCodec<R> codec;

  /**
   * @param label what the logs call the feed ("vault feed"); its thread is named so, with a dash
   *     for the space
   * @param recordName what the logs call a record ("vault record")
   * @param settings consumer settings besides the servers ({@code read_committed} for a
   *     transactional writer's topic)
   */
  protected CompactedTopicFeed(
      String label,
      String bootstrapServers,
      Map<String, String> settings,
      String topic,
      Class<R> type,
      String recordName) {
    super(label.replace(' ', '-'), bootstrapServers, settings, List.of(topic));
    this.label = label;
    this.recordName = recordName;
    this.codec = JsonCodec.of(type);
    this.topic = topic;
  }

  /** Takes a decoded record, on the feed's thread. */
  protected abstract void put(R record);

  /** Takes a tombstone's key, on the feed's thread. */
  protected abstract void remove(String key);

  /** What the feed holds, for the caught-up log line ("12 records"). */
  protected abstract String summary();

  @Override
  protected final void apply(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      if (record.key() != null) {
        remove(record.key());
      }
      return;
    }
    try {
      put(codec.decode(record.value()));
    } catch (CodecException e) {
      log.warn(
          "skipping invalid {} {}@{}: {}",
          recordName,
          record.partition(),
          record.offset(),
          e.getMessage());
    }
  }

  @Override
  protected final void onCaughtUp() {
    log.info("{} caught up: {}", label, summary());
  }

  /**
   * Waits until the feed has applied every record below the given offsets (partition → offset).
   *
   * @return false when that did not happen within {@code timeout}
   */
  public boolean awaitOffsets(Map<Integer, Long> offsets, Duration timeout)
      throws InterruptedException {
    return awaitOffsets(topic, offsets, timeout);
  }
}
