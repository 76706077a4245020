package dev.gpilot.api.missions;

import dev.gpilot.api.kafka.TopicFeed;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionSubmitted;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer thread per API instance that reads the missions and events topics from the beginning
 * (or a look-back) into the {@link MissionStore} and fans events out to open streams in memory. It
 * uses no consumer group: every instance reads every partition.
 */
public final class MissionFeed extends TopicFeed {
  private static final Logger LOG = LoggerFactory.getLogger(MissionFeed.class);

  private final MissionStore store;
  private final JsonCodec<MissionEvent> events = JsonCodec.of(MissionEvent.class);
  private final JsonCodec<MissionSubmitted> submissions = JsonCodec.of(MissionSubmitted.class);

  public MissionFeed(String bootstrapServers, MissionStore store) {
    this(bootstrapServers, store, null);
  }

  /**
   * @param lookback read only the records written this long before the start and later (the older
   *     missions are the archive's); null for the whole topics
   */
  public MissionFeed(String bootstrapServers, MissionStore store, Duration lookback) {
    super(
        "mission-feed",
        bootstrapServers,
        Map.of(
            ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
            "50",
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
            "2000"),
        List.of(Topics.MISSIONS, Topics.MISSION_EVENTS),
        lookback);
    this.store = store;
  }

  @Override
  protected void onCaughtUp() {
    LOG.info("mission feed caught up: {} missions known", store.size());
  }

  @Override
  protected void apply(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      return;
    }
    try {
      if (record.topic().equals(Topics.MISSION_EVENTS)) {
        store.onEvent(events.decode(record.value()), record.value().length);
      } else if (record.key() == null
          || !(store.wroteItself(record.key()) || store.holdsSubmission(record.key()))) {
        // A submission this instance wrote is stored from its ack (a bulk submission's records can
        // be read here before it, as they are all acked together): reading it back would change
        // nothing, and decoding every record of a bulk submission again costs as much as encoding
        // it did. Nor does a mission the cache dropped come back because this feed read it late.
        // The key is the missionId (SPEC.md section 3).
        store.onSubmitted(submissions.decode(record.value()), record.value().length);
      }
    } catch (CodecException e) {
      LOG.warn(
          "skipping invalid record {}-{}@{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
    }
  }
}
