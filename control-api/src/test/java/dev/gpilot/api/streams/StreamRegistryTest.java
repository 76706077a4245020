package dev.gpilot.api.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.missions.MissionStore;
import dev.gpilot.api.missions.MissionView;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.testing.TestEvents;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The instance's open streams: the workspace quota and the instance bound (what a client is told
 * past them), and how they end on shutdown.
 */
class StreamRegistryTest {
  private final MissionStore store = new MissionStore(100);
  private StreamRegistry registry = new StreamRegistry(2, Duration.ofMinutes(1), 100, 2, 10);

  @AfterEach
  void close() {
    registry.close();
  }

  private MissionView view(String missionId) {
    store.onEvent(
        TestEvents.of(EventTypes.MISSION_ACCEPTED, missionId, "ws-a", 1, 1)
            .status("PLANNING")
            .build());
    return store.find(missionId).orElseThrow();
  }

  private static void tooMany(Runnable admit, String type, String says) {
    assertThatThrownBy(admit::run)
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(429);
              assertThat(e.type()).isEqualTo(type);
              assertThat(e.headers())
                  .containsEntry("Retry-After", String.valueOf(StreamRegistry.RETRY_AFTER_SECONDS));
            })
        .hasMessageContaining(says);
  }

  @Test
  void aWorkspaceAtItsBound_is429WithRetryAfter_otherWorkspacesAreNot_andAReleaseFreesOnePlace() {
    StreamRegistry.Admission first = registry.admit("ws-a");
    registry.admit("ws-a");

    tooMany(
        () -> registry.admit("ws-a"),
        "quota-exceeded",
        "workspace 'ws-a' has its quota of 2 open streams");
    StreamRegistry.Admission other = registry.admit("ws-b");
    assertThat(other).isNotNull();

    first.release();
    first.release(); // a second release of the same place frees nothing more
    registry.admit("ws-a");
    tooMany(() -> registry.admit("ws-a"), "quota-exceeded", "workspace 'ws-a'");
  }

  @Test
  void theInstanceAtItsBound_is429_whicheverWorkspaceAsks_untilAPlaceIsReleased() {
    registry.close();
    registry = new StreamRegistry(1, Duration.ofMinutes(1), 100, 10, 2);
    registry.admit("ws-a");
    StreamRegistry.Admission b = registry.admit("ws-b");

    tooMany(
        () -> registry.admit("ws-c"),
        "too-many-requests",
        "this API instance serves its maximum of 2");
    b.release();
    assertThat(registry.admit("ws-c")).isNotNull();
  }

  @Test
  void boundsThatAreNotPositive_areRefusedWhenBuilt() {
    assertThatThrownBy(() -> new StreamRegistry(0, Duration.ofSeconds(1), 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new StreamRegistry(1, Duration.ZERO, 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new StreamRegistry(1, Duration.ofSeconds(1), 1, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void close_givesEveryOpenStreamTheShutdownMessage_andOneOpenedAfterwardsEndsAtOnce()
      throws Exception {
    FakeOutput out = new FakeOutput();
    EventStream stream = registry.open(view("m1"), new LineEncoder(0), out);
    stream.start();
    stream.onWritePossible();
    awaitText(out, "1:mission.accepted\n");
    assertThat(registry.openStreams()).isEqualTo(1);

    registry.close();

    assertThat(stream.ended()).succeedsWithin(5, TimeUnit.SECONDS);
    assertThat(out.text()).isEqualTo("1:mission.accepted\nBYE\n");

    FakeOutput late = new FakeOutput();
    EventStream opened = registry.open(view("m2"), new LineEncoder(0), late);
    opened.start();
    opened.onWritePossible();
    assertThat(opened.isDone())
        .as("the writers are stopped: the stream ends, the client is not left waiting")
        .isTrue();
    assertThat(late.text()).isEmpty();
  }

  @Test
  void aStreamThatEnded_isNoLongerCounted() {
    FakeOutput out = new FakeOutput();
    EventStream stream = registry.open(view("m1"), new LineEncoder(0), out);
    assertThat(registry.openStreams()).isEqualTo(1);

    registry.closed(stream);

    assertThat(registry.openStreams()).isZero();
  }

  @Test
  void theStreamsOfOneMission_shareItsFrames() {
    MissionView view = view("m1");

    assertThat(registry.framesOf(view))
        .isSameAs(registry.framesOf(view))
        .isNotSameAs(registry.framesOf(view("m2")));
  }

  private static void awaitText(FakeOutput out, String expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!out.text().equals(expected) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(out.text()).isEqualTo(expected);
  }
}
