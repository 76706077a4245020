package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.testing.TestEvents;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MissionStoreTest {
  private static MissionEvent event(String missionId, long seq) {
    return TestEvents.of("step.started", missionId, "ws", seq, 1_000L * seq)
        .status("RUNNING")
        .step("s" + seq, "agent-scout", 1)
        .build();
  }

  @Test
  void byteBound_dropsTheLeastRecentlyUsedMissions_andHoldsWithinIt() {
    MissionStore store = new MissionStore(1_000, 100_000, null);
    for (int m = 0; m < 50; m++) {
      for (int seq = 1; seq <= 10; seq++) {
        store.onEvent(event("m" + m, seq), 1_000);
      }
    }

    assertThat(store.weightedSize()).isLessThanOrEqualTo(100_000);
    assertThat(store.holds("m0")).isFalse();
    assertThat(store.holds("m49")).isTrue();
    assertThat(store.find("m49").orElseThrow().lastSeq()).isEqualTo(10);
  }

  @Test
  void countBound_holdsAlongsideTheByteBound() {
    MissionStore store = new MissionStore(5, 1_000_000, null);
    for (int m = 0; m < 20; m++) {
      store.onEvent(event("m" + m, 1), 10);
    }

    assertThat(store.size()).isLessThanOrEqualTo(5);
  }

  @Test
  void missionDroppedWhileAStreamFollowsIt_stillGivesTheStreamItsNextEvents_thenIsLetGo() {
    MissionStore store = new MissionStore(100, 10_000, null);
    store.onEvent(event("live", 1), 100);
    MissionView view = store.find("live").orElseThrow();
    List<Long> seen = new ArrayList<>();
    MissionView.Listener stream = e -> seen.add(e.seq());
    view.subscribe(stream);

    store.onEvent(event("live", 2), 20_000); // more than the whole cache holds: dropped at once
    assertThat(store.holds("live")).as("dropped from the cache").isFalse();
    store.onEvent(event("live", 3), 100);

    assertThat(seen).containsExactly(2L, 3L);
    assertThat(store.find("live")).containsSame(view);
    assertThat(view.eventsAfter(0)).extracting(MissionEvent::seq).containsExactly(1L, 2L, 3L);

    view.unsubscribe(stream);
    store.onEvent(event("other", 1), 100);
    assertThat(store.find("live")).as("no stream follows it any more").isEmpty();
  }
}
