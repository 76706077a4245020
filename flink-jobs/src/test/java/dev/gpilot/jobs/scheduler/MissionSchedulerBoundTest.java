package dev.gpilot.jobs.scheduler;

import static dev.gpilot.contracts.events.EventTypes.MISSION_ACCEPTED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_CANCELLED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_COMPLETED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.events.MissionEnded;
import dev.gpilot.contracts.events.StepEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.ingest.SchedulerInput;
import java.util.List;
import java.util.Objects;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bound on missions in flight per subtask: what the scheduler reads, parks and starts, and
 * after a restore.
 */
class MissionSchedulerBoundTest {
  private SchedulerHarness harness;

  @AfterEach
  void tearDown() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private SchedulerHarness open(int bound, OperatorSubtaskState restore) throws Exception {
    if (harness != null) {
      harness.close();
    }
    harness = new SchedulerHarness(new MissionScheduler(SchedulerStateFixture.OPTIONS, bound));
    if (restore != null) {
      harness.initializeState(restore);
    }
    harness.open();
    harness.setProcessingTime(1_000);
    return harness;
  }

  private void submit(String missionId) throws Exception {
    harness.processElement(
        SchedulerStateFixture.submit(
            missionId,
            SchedulerStateFixture.plan(null, null, SchedulerStateFixture.step("a", "agent-scout"))),
        0);
  }

  /** Answers the first attempt of the mission's one step, {@code a}: the mission completes. */
  private void finish(String missionId) throws Exception {
    long now = harness.getProcessingTime();
    harness.processElement(
        SchedulerInput.of(
            StepResult.succeeded(
                missionId,
                "ws-1",
                "a",
                1,
                "agent-scout",
                Json.mapper().createObjectNode().put("text", "done"),
                now,
                now)),
        0);
  }

  private void cancel(String missionId) throws Exception {
    harness.processElement(
        SchedulerInput.of(
            new MissionControl(MissionControl.CANCEL, missionId, "ws-1", "alice", 1_000)),
        0);
  }

  /** Mission-level events in order: "m1 mission.accepted", ... */
  private List<String> missionEvents() {
    return harness.extractOutputValues().stream()
        .filter(e -> !(e instanceof StepEvent s) || s.stepId() == null)
        .filter(e -> !e.type().equals("plan.ready"))
        .map(e -> e.missionId() + " " + e.type())
        .toList();
  }

  private int inFlight() {
    return harness.scheduler().missionsInFlight();
  }

  private int waiting() {
    return harness.scheduler().missionsParked();
  }

  @Test
  void atTheBound_aNewMissionWaits_andStartsWhenARunningOneEnds() throws Exception {
    open(2, null);
    submit("m1");
    submit("m2");
    submit("m3");

    assertThat(missionEvents()).containsExactly("m1 " + MISSION_ACCEPTED, "m2 " + MISSION_ACCEPTED);
    assertThat(inFlight()).isEqualTo(2);
    assertThat(waiting()).isEqualTo(1);
    assertThat(harness.getSideOutput(MissionScheduler.STEP_REQUESTS))
        .as("m3 runs no step")
        .hasSize(2);

    cancel("m1");
    assertThat(missionEvents())
        .containsExactly(
            "m1 " + MISSION_ACCEPTED,
            "m2 " + MISSION_ACCEPTED,
            "m1 " + MISSION_CANCELLED,
            "m3 " + MISSION_ACCEPTED);
    finish("m2");
    assertThat(missionEvents()).endsWith("m2 " + MISSION_COMPLETED);
    assertThat(inFlight()).isEqualTo(1);
    assertThat(waiting()).isZero();
  }

  @Test
  void waitingMissions_startInArrivalOrder_andASecondSubmissionOfAWaitingOneIsDropped()
      throws Exception {
    open(1, null);
    submit("a");
    submit("b");
    submit("c");
    submit("b");

    assertThat(missionEvents()).containsExactly("a " + MISSION_ACCEPTED);
    assertThat(waiting()).isEqualTo(2);

    finish("a");
    assertThat(missionEvents())
        .containsExactly(
            "a " + MISSION_ACCEPTED, "a " + MISSION_COMPLETED, "b " + MISSION_ACCEPTED);
    finish("b");
    finish("c");
    assertThat(missionEvents())
        .endsWith("b " + MISSION_COMPLETED, "c " + MISSION_ACCEPTED, "c " + MISSION_COMPLETED);
    assertThat(
            harness.extractOutputValues().stream()
                .filter(e -> e.type().equals(MISSION_ACCEPTED))
                .count())
        .as("the second b was a duplicate")
        .isEqualTo(3);
    assertThat(inFlight()).isZero();
  }

  @Test
  void aKnownMissionSubmittedAgainAtTheBound_isDroppedAsAlways_notParked() throws Exception {
    open(1, null);
    submit("a");
    submit("a");

    assertThat(waiting()).isZero();
    assertThat(missionEvents()).containsExactly("a " + MISSION_ACCEPTED);
  }

  @Test
  void aWaitingMissionCancelled_endsAtOnce_withoutRunningAStep() throws Exception {
    open(1, null);
    submit("a");
    submit("b");
    cancel("b");

    assertThat(missionEvents())
        .containsExactly(
            "a " + MISSION_ACCEPTED, "b " + MISSION_ACCEPTED, "b " + MISSION_CANCELLED);
    assertThat(
            ((MissionEnded)
                    harness.extractOutputValues().get(harness.extractOutputValues().size() - 1))
                .reason())
        .isEqualTo("cancelled by alice before it started");
    assertThat(harness.getSideOutput(MissionScheduler.STEP_REQUESTS))
        .as("only a's step ran")
        .hasSize(1);
    assertThat(waiting()).isZero();
    assertThat(inFlight()).isEqualTo(1);

    finish("a");
    assertThat(missionEvents()).endsWith("a " + MISSION_COMPLETED);
    assertThat(inFlight()).isZero();
  }

  @Test
  void restore_countsTheMissionsInFlightAndWaiting_andAWaitingOneStartsWhenASlotFrees()
      throws Exception {
    open(2, null);
    submit("m1");
    submit("m2");
    submit("m3");
    OperatorSubtaskState snapshot = harness.snapshot(1L, 1_000L);

    open(2, snapshot);
    assertThat(inFlight()).isEqualTo(2);
    assertThat(waiting()).isEqualTo(1);
    submit("m4");
    assertThat(missionEvents()).isEmpty();

    cancel("m2");
    assertThat(missionEvents())
        .containsExactly("m2 " + MISSION_CANCELLED, "m3 " + MISSION_ACCEPTED);
    finish("m1");
    assertThat(missionEvents()).endsWith("m1 " + MISSION_COMPLETED, "m4 " + MISSION_ACCEPTED);
  }

  @Test
  void restoreOfAStateFromBeforeTheBound_countsItsMissionsInFlight() throws Exception {
    OperatorSubtaskState v1 =
        OperatorSnapshotUtil.readStateHandle(
            Objects.requireNonNull(
                    getClass().getClassLoader().getResource(SchedulerStateFixture.V1_RESOURCE))
                .getPath());
    // The fixture: six missions in flight (chain, retry, diamond, overseer, streaming, deadline),
    // one done.
    open(6, v1);
    assertThat(inFlight()).isEqualTo(6);
    submit("new");
    assertThat(missionEvents()).isEmpty();
    cancel("chain");
    assertThat(missionEvents()).endsWith("chain " + MISSION_CANCELLED, "new " + MISSION_ACCEPTED);

    open(7, v1);
    submit("new");
    assertThat(missionEvents()).containsExactly("new " + MISSION_ACCEPTED);
  }
}
