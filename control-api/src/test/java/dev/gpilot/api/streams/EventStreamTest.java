package dev.gpilot.api.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.api.missions.MissionStore;
import dev.gpilot.api.missions.MissionView;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.testing.TestEvents;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/**
 * One client's stream, with the writer running on the calling thread and a connection the test
 * opens and stalls: what reaches the client, and when the stream ends.
 */
class EventStreamTest {
  private static final String ID = "m1";
  private static final Executor CALLER = Runnable::run;

  private final MissionStore store = new MissionStore(100);
  private final FakeOutput out = new FakeOutput();

  private void event(long seq, String type) {
    String status =
        switch (type) {
          case EventTypes.MISSION_COMPLETED -> "COMPLETED";
          case EventTypes.MISSION_FAILED -> "FAILED";
          default -> "RUNNING";
        };
    TestEvents.Builder event = TestEvents.of(type, ID, "ws-a", seq, seq).status(status);
    if (type.equals(EventTypes.PLAN_READY)) {
      event.plan(
          new Plan(
              List.of(new PlanStep("s", "agent-scout", "", null, List.of(), null, null, null))));
    } else if (type.startsWith("step.")) {
      event.step("s", "agent-scout", 1);
    }
    store.onEvent(event.build());
  }

  private void events(long from, long to) {
    for (long seq = from; seq <= to; seq++) {
      event(seq, EventTypes.STEP_READY);
    }
  }

  private MissionView view() {
    return store.find(ID).orElseThrow();
  }

  private EventStream started(long after, long maxLag) {
    EventStream stream = new EventStream(view(), new LineEncoder(after), out, CALLER, maxLag);
    stream.start();
    assertThat(out.listener)
        .as("the stream waits for the server's onWritePossible")
        .isSameAs(stream);
    stream.onWritePossible();
    return stream;
  }

  @Test
  void replaysAfterTheClientsPosition_followsNewEvents_andEndsAfterTheFinalOne() {
    event(1, EventTypes.MISSION_ACCEPTED);
    event(2, EventTypes.PLAN_READY);

    EventStream stream = started(1, 100);
    assertThat(out.text()).isEqualTo("2:plan.ready\n");

    event(3, EventTypes.STEP_STARTED);
    assertThat(out.text()).isEqualTo("2:plan.ready\n3:step.started\n");
    assertThat(stream.isDone()).isFalse();

    event(4, EventTypes.MISSION_COMPLETED);
    assertThat(out.text()).isEqualTo("2:plan.ready\n3:step.started\n4:mission.completed\nEND\n");
    assertThat(stream.ended()).isCompleted();
  }

  @Test
  void aClientResumingAtTheFinalEvent_getsOnlyTheEnd() {
    event(1, EventTypes.MISSION_ACCEPTED);
    event(2, EventTypes.MISSION_FAILED);

    EventStream stream = started(2, 100);

    assertThat(out.text()).isEqualTo("END\n");
    assertThat(stream.isDone()).isTrue();
  }

  @Test
  void aClientWhoseConnectionTakesNothing_andFallsMoreThanMaxLagBehind_isToldAndDisconnected() {
    event(1, EventTypes.MISSION_ACCEPTED);
    EventStream stream = started(0, 3);
    assertThat(out.text()).isEqualTo("1:mission.accepted\n");

    out.ready = false;
    events(2, 6);
    assertThat(out.text())
        .as("nothing is written while the connection is stalled")
        .isEqualTo("1:mission.accepted\n");
    out.ready = true;
    stream.onWritePossible();

    assertThat(out.text()).isEqualTo("1:mission.accepted\nSLOW 5\n");
    assertThat(stream.isDone()).isTrue();
    events(7, 8);
    assertThat(out.text()).as("a disconnected stream follows no more").endsWith("SLOW 5\n");
  }

  @Test
  void aStalledClientWithinMaxLag_catchesUpWhenItsConnectionDrains() {
    event(1, EventTypes.MISSION_ACCEPTED);
    EventStream stream = started(0, 3);

    out.ready = false;
    events(2, 4);
    out.ready = true;
    stream.onWritePossible();

    assertThat(out.text())
        .isEqualTo("1:mission.accepted\n2:step.ready\n3:step.ready\n4:step.ready\n");
    assertThat(stream.isDone()).isFalse();
  }

  @Test
  void anIdleStream_getsAHeartbeat_aBusyOneDoesNot() {
    event(1, EventTypes.MISSION_ACCEPTED);
    EventStream stream = started(0, 100);
    long interval = 1_000_000_000L;

    stream.heartbeatIfIdle(System.nanoTime(), interval);
    assertThat(out.text()).as("it just wrote").isEqualTo("1:mission.accepted\n");

    stream.heartbeatIfIdle(System.nanoTime() + 2 * interval, interval);
    assertThat(out.text()).isEqualTo("1:mission.accepted\n:\n");
    assertThat(stream.isDone()).isFalse();
  }

  @Test
  void shutDown_givesTheClientTheLastWord_andEndsTheStream() {
    event(1, EventTypes.MISSION_ACCEPTED);
    EventStream stream = started(0, 100);

    stream.shutDown();

    assertThat(out.text()).isEqualTo("1:mission.accepted\nBYE\n");
    assertThat(stream.isDone()).isTrue();
    event(2, EventTypes.PLAN_READY);
    assertThat(out.text()).endsWith("BYE\n");
  }

  @Test
  void aConnectionError_endsTheStream_andNothingMoreIsWritten() {
    event(1, EventTypes.MISSION_ACCEPTED);
    EventStream stream = started(0, 100);

    stream.onError(new java.io.EOFException("client went away"));
    event(2, EventTypes.PLAN_READY);

    assertThat(stream.isDone()).isTrue();
    assertThat(out.text()).isEqualTo("1:mission.accepted\n");
  }
}
