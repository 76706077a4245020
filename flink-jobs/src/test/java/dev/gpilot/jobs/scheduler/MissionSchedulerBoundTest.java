package dev.gpilot.jobs.scheduler;

import static dev.gpilot.contracts.events.EventTypes.MISSION_ACCEPTED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_CANCELLED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_COMPLETED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.ingest.SchedulerInput;
import java.util.List;
import java.util.Objects;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.InputSelection;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bound on missions in flight per subtask: what the scheduler reads, parks and starts, and after a restore. */
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
    harness.processElement(SchedulerStateFixture.submit(missionId,
        SchedulerStateFixture.plan(null, null, SchedulerStateFixture.step("a", "agent-scout"))), 0);
  }

  /** Answers the first attempt of the mission's one step, {@code a}: the mission completes. */
  private void finish(String missionId) throws Exception {
    long now = harness.getProcessingTime();
    harness.processElement(SchedulerInput.of(StepResult.succeeded(missionId, "ws-1", "a", 1, "agent-scout",
        Json.mapper().createObjectNode().put("text", "done"), now, now)), 0);
  }

  private void cancel(String missionId) throws Exception {
    harness.processElement(SchedulerInput.of(new MissionControl(MissionControl.CANCEL, missionId, "ws-1", "alice", 1_000)), 0);
  }

  /** Mission-level events in order: "m1 mission.accepted", ... */
  private List<String> missionEvents() {
    return harness.extractOutputValues().stream().filter(e -> e.stepId() == null)
        .filter(e -> !e.type().equals("plan.ready"))
        .map(e -> e.missionId() + " " + e.type()).toList();
  }

  private InputSelection selection() {
    return harness.scheduler().nextSelection();
  }

  @Test
  void atTheBound_theMissionsInputIsNotSelected_andAMissionThatEndsFreesASlot() throws Exception {
    open(2, null);
    assertThat(selection()).isEqualTo(InputSelection.ALL);

    submit("m1");
    assertThat(selection()).isEqualTo(InputSelection.ALL);
    submit("m2");
    assertThat(selection()).as("two in flight: only results, control and deltas").isEqualTo(InputSelection.SECOND);

    cancel("m1");
    assertThat(selection()).isEqualTo(InputSelection.ALL);
    submit("m3");
    assertThat(selection()).isEqualTo(InputSelection.SECOND);

    finish("m2");
    assertThat(selection()).isEqualTo(InputSelection.ALL);
    assertThat(harness.scheduler().missionsInFlight()).isEqualTo(1);
    assertThat(missionEvents()).containsExactly("m1 " + MISSION_ACCEPTED, "m2 " + MISSION_ACCEPTED,
        "m1 " + MISSION_CANCELLED, "m3 " + MISSION_ACCEPTED, "m2 " + MISSION_COMPLETED);
  }

  @Test
  void missionsHandedOverAtTheBound_areParked_andStartInArrivalOrderAsSlotsFree() throws Exception {
    open(1, null);
    submit("a");
    // The runtime may hand over what it already read after the selection changed (a loose contract).
    submit("b");
    submit("c");
    submit("b");

    assertThat(missionEvents()).containsExactly("a " + MISSION_ACCEPTED);
    assertThat(harness.scheduler().missionsParked()).isEqualTo(2);
    assertThat(selection()).isEqualTo(InputSelection.SECOND);

    finish("a");
    assertThat(missionEvents()).containsExactly("a " + MISSION_ACCEPTED, "a " + MISSION_COMPLETED,
        "b " + MISSION_ACCEPTED);
    cancel("b");
    finish("c");
    assertThat(missionEvents()).endsWith("b " + MISSION_CANCELLED, "c " + MISSION_ACCEPTED, "c " + MISSION_COMPLETED);
    assertThat(harness.extractOutputValues().stream().filter(e -> e.type().equals(MISSION_ACCEPTED)).count())
        .as("the second b was a duplicate").isEqualTo(3);
    assertThat(harness.scheduler().missionsInFlight()).isZero();
    assertThat(selection()).isEqualTo(InputSelection.ALL);
  }

  @Test
  void aKnownMissionSubmittedAgainAtTheBound_isDroppedAsAlways_notParked() throws Exception {
    open(1, null);
    submit("a");
    submit("a");

    assertThat(harness.scheduler().missionsParked()).isZero();
    assertThat(missionEvents()).containsExactly("a " + MISSION_ACCEPTED);
  }

  @Test
  void restore_countsTheMissionsInFlightAndParked_andAParkedOneStartsWhenASlotFrees() throws Exception {
    open(2, null);
    submit("m1");
    submit("m2");
    submit("m3");
    OperatorSubtaskState snapshot = harness.snapshot(1L, 1_000L);

    open(2, snapshot);
    assertThat(harness.scheduler().missionsInFlight()).isEqualTo(2);
    assertThat(harness.scheduler().missionsParked()).isEqualTo(1);
    assertThat(selection()).isEqualTo(InputSelection.SECOND);

    cancel("m2");
    assertThat(missionEvents()).containsExactly("m2 " + MISSION_CANCELLED, "m3 " + MISSION_ACCEPTED);
    assertThat(selection()).isEqualTo(InputSelection.SECOND);
    finish("m1");
    assertThat(selection()).isEqualTo(InputSelection.ALL);
  }

  @Test
  void restoreOfAStateFromBeforeTheBound_countsItsMissionsInFlight() throws Exception {
    OperatorSubtaskState v1 = OperatorSnapshotUtil.readStateHandle(Objects.requireNonNull(
        getClass().getClassLoader().getResource(SchedulerStateFixture.V1_RESOURCE)).getPath());
    // The fixture: six missions in flight (chain, retry, diamond, overseer, streaming, deadline), one done.
    open(6, v1);
    assertThat(harness.scheduler().missionsInFlight()).isEqualTo(6);
    assertThat(selection()).isEqualTo(InputSelection.SECOND);

    cancel("chain");
    assertThat(selection()).isEqualTo(InputSelection.ALL);

    open(7, v1);
    assertThat(selection()).isEqualTo(InputSelection.ALL);
  }
}
