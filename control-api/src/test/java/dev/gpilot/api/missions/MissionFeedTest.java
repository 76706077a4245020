package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link MissionFeed#apply} on records handed to it directly (no broker: nothing is polled). */
class MissionFeedTest {
  private static final JsonCodec<MissionSubmitted> CODEC = JsonCodec.of(MissionSubmitted.class);

  private final MissionStore store = new MissionStore(1_000);
  private final MissionFeed feed = new MissionFeed("127.0.0.1:9", store);

  @AfterEach
  void close() throws Exception {
    feed.close();
  }

  private static ConsumerRecord<String, byte[]> record(String missionId, String mission) {
    MissionSubmitted submitted =
        new MissionSubmitted(
            missionId, "ws", 1_000, mission, MissionConfig.DEFAULT, null, null, "alice");
    return new ConsumerRecord<>(Topics.MISSIONS, 0, 0, missionId, CODEC.encode(submitted));
  }

  @Test
  void aSubmissionThisInstanceWrote_isSkippedOnce_whetherReadBeforeOrAfterItsAck() {
    store.writing("early");
    store.writing("late");

    feed.apply(record("early", "read back before the ack"));
    assertThat(store.find("early")).as("skipped, not decoded").isEmpty();
    store.onSubmitted(submitted("early", "as written"));
    store.onSubmitted(submitted("late", "as written"));
    feed.apply(record("late", "read back after the ack"));

    assertThat(store.find("early").orElseThrow().submitted().mission()).isEqualTo("as written");
    assertThat(store.find("late").orElseThrow().submitted().mission()).isEqualTo("as written");
    assertThat(store.wroteItself("early")).as("no longer marked once read").isFalse();
    assertThat(store.wroteItself("late")).isFalse();
  }

  @Test
  void aMissionDroppedFromTheCache_doesNotComeBackWhenTheFeedReadsItsOwnRecordLate() {
    MissionStore small = new MissionStore(2);
    try (MissionFeed smallFeed = new MissionFeed("127.0.0.1:9", small)) {
      for (String id : new String[] {"m1", "m2", "m3"}) {
        small.writing(id);
        small.onSubmitted(submitted(id, "mission " + id));
      }
      assertThat(small.weightedSize()).as("the cache holds two").isEqualTo(2);
      String dropped =
          Stream.of("m1", "m2", "m3").filter(id -> !small.holds(id)).findFirst().orElseThrow();

      smallFeed.apply(record(dropped, "read back late"));

      assertThat(small.holds(dropped)).isFalse();
      assertThat(small.weightedSize()).isEqualTo(2);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aSubmissionNotWrittenHere_isStored_andOneWhoseWriteFailedIsReadAgain() {
    store.writing("failed");
    store.notWritten("failed");

    feed.apply(record("theirs", "written by another instance"));
    feed.apply(record("failed", "reached the topic after all"));

    assertThat(store.find("theirs").orElseThrow().submitted().mission())
        .isEqualTo("written by another instance");
    assertThat(store.find("failed").orElseThrow().submitted().mission())
        .isEqualTo("reached the topic after all");
  }

  private static MissionSubmitted submitted(String missionId, String mission) {
    return new MissionSubmitted(
        missionId, "ws", 1_000, mission, MissionConfig.DEFAULT, null, null, "alice");
  }
}
