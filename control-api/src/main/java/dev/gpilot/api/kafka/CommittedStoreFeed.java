package dev.gpilot.api.kafka;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * A {@link CompactedTopicFeed} of a topic that one fenced transactional writer writes (the vault,
 * the control plane), into a {@link Store}. It reads committed records only, so a write whose
 * transaction was aborted (a fenced or crashed writer) is never seen, and polls with a 50 ms fetch
 * wait, so a write through one API instance is in force on the others well within a second.
 *
 * @param <R> the topic's record
 */
public abstract class CommittedStoreFeed<R> extends CompactedTopicFeed<R> {
  /**
   * What the feed fills: each key's newest record. The feed's thread writes it while requests read
   * it, so it must be thread-safe.
   *
   * @param <R> the topic's record
   */
  public interface Store<R> {
    /**
     * @return whether {@code record} is now its key's record
     */
    boolean apply(R record);

    /** A tombstone: the key's record is gone. */
    void remove(String key);

    /** How many keys it holds. */
    int size();
  }

  private final Store<R> store;
  private final String heldName;

  /**
   * @param label what the logs call the feed ("vault feed")
   * @param settings consumer settings besides {@code read_committed} and the fetch wait
   * @param recordName what the logs call a record ("vault record")
   * @param heldName what the caught-up log line calls what the store holds ("records")
   */
  protected CommittedStoreFeed(
      String label,
      String bootstrapServers,
      Map<String, String> settings,
      String topic,
      Class<R> type,
      String recordName,
      Store<R> store,
      String heldName) {
    super(label, bootstrapServers, committed(settings), topic, type, recordName);
    this.store = store;
    this.heldName = heldName;
  }

  private static Map<String, String> committed(Map<String, String> settings) {
    Map<String, String> all = new HashMap<>(settings);
    all.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    all.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
    return Map.copyOf(all);
  }

  @Override
  protected final void put(R record) {
    store.apply(record);
  }

  @Override
  protected final void remove(String key) {
    store.remove(key);
  }

  @Override
  protected final String summary() {
    return store.size() + " " + heldName;
  }
}
