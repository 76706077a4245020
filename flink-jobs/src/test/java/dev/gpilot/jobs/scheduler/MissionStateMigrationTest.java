package dev.gpilot.jobs.scheduler;

import static dev.gpilot.contracts.events.EventTypes.MISSION_ACCEPTED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_COMPLETED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_TIMED_OUT;
import static dev.gpilot.contracts.events.EventTypes.PLAN_READY;
import static dev.gpilot.contracts.events.EventTypes.STEP_CANCELLED;
import static dev.gpilot.contracts.events.EventTypes.STEP_COMPLETED;
import static dev.gpilot.contracts.events.EventTypes.STEP_DELTA;
import static dev.gpilot.contracts.events.EventTypes.STEP_READY;
import static dev.gpilot.contracts.events.EventTypes.STEP_STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.StepEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.ingest.SchedulerInput;
import java.util.List;
import java.util.Objects;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint of the scheduler that kept each mission as one JSON value ({@link
 * SchedulerStateFixture}) restores into the current scheduler, and every mission in it finishes as
 * it would have: same seqs, same outputs, its timers (retry back-off, deadline, retention) still
 * fire. Asserts only inputs and outputs, so it holds for any state layout.
 */
class MissionStateMigrationTest {
  private SchedulerHarness harness;
  private int eventsSeen;

  @BeforeEach
  void restoreTheV1Fixture() throws Exception {
    OperatorSubtaskState v1 =
        OperatorSnapshotUtil.readStateHandle(
            Objects.requireNonNull(
                    getClass().getClassLoader().getResource(SchedulerStateFixture.V1_RESOURCE))
                .getPath());
    harness = SchedulerStateFixture.harness();
    harness.initializeState(v1);
    harness.open();
    harness.setProcessingTime(1_000);
  }

  @AfterEach
  void tearDown() throws Exception {
    harness.close();
  }

  private List<String> newEvents(String missionId) {
    List<MissionEvent> all = harness.extractOutputValues();
    List<String> types =
        all.subList(eventsSeen, all.size()).stream()
            .peek(e -> assertThat(e.missionId()).isEqualTo(missionId))
            .map(
                e ->
                    e.seq()
                        + " "
                        + e.type()
                        + (e instanceof StepEvent s && s.stepId() != null ? ":" + s.stepId() : ""))
            .toList();
    eventsSeen = all.size();
    return types;
  }

  private StepRequest request(String missionId, String stepId) {
    var out = harness.getSideOutput(MissionScheduler.STEP_REQUESTS);
    return out == null
        ? null
        : out.stream()
            .map(StreamRecord::getValue)
            .filter(r -> r.missionId().equals(missionId) && r.stepId().equals(stepId))
            .reduce((a, b) -> b)
            .orElse(null);
  }

  private void succeed(String missionId, String stepId, int attempt, String agent, JsonNode output)
      throws Exception {
    harness.processElement(
        SchedulerInput.of(
            StepResult.succeeded(
                missionId,
                "ws-1",
                stepId,
                attempt,
                agent,
                output,
                harness.getProcessingTime(),
                harness.getProcessingTime())),
        0);
  }

  private static JsonNode text(String text) {
    return Json.mapper().createObjectNode().put("text", text);
  }

  @Test
  void everyMissionOfTheV1Checkpoint_finishesWithTheNextSeqs() throws Exception {
    // chain: s2 was running; s3 gets s2's output, the mission completes.
    succeed("chain", "s2", 1, "seo-analyst", text("s2 done"));
    assertThat(request("chain", "s3").dependencyOutputs()).containsOnlyKeys("s2");
    succeed("chain", "s3", 1, "independent-verifier", text("s3 done"));
    assertThat(newEvents("chain"))
        .containsExactly(
            "8 " + STEP_COMPLETED + ":s2",
            "9 " + STEP_READY + ":s3",
            "10 " + STEP_STARTED + ":s3",
            "11 " + STEP_COMPLETED + ":s3",
            "12 " + MISSION_COMPLETED);

    // diamond: seo's output (restored) makes publish's condition true; both final steps run.
    succeed("diamond", "write", 1, "content-orchestrator", text("draft"));
    assertThat(request("diamond", "publish").dependencyOutputs().get("seo").get("seoScore").asInt())
        .isEqualTo(91);
    succeed("diamond", "publish", 1, "content-orchestrator", text("published"));
    succeed("diamond", "verify", 1, "independent-verifier", text("verified"));
    assertThat(newEvents("diamond"))
        .containsExactly(
            "11 " + STEP_COMPLETED + ":write",
            "12 " + STEP_READY + ":publish",
            "13 " + STEP_READY + ":verify",
            "14 " + STEP_STARTED + ":publish",
            "15 " + STEP_STARTED + ":verify",
            "16 " + STEP_COMPLETED + ":publish",
            "17 " + STEP_COMPLETED + ":verify",
            "18 " + MISSION_COMPLETED);

    // overseer: the planning step's answer is the plan.
    JsonNode plan =
        Json.mapper()
            .valueToTree(new Plan(List.of(SchedulerStateFixture.step("a", "agent-scout"))));
    succeed("overseer", "_plan", 1, "mission-overseer", plan);
    succeed("overseer", "a", 1, "agent-scout", text("a done"));
    assertThat(newEvents("overseer"))
        .containsExactly(
            "4 " + STEP_COMPLETED + ":_plan",
            "5 " + PLAN_READY,
            "6 " + STEP_READY + ":a",
            "7 " + STEP_STARTED + ":a",
            "8 " + STEP_COMPLETED + ":a",
            "9 " + MISSION_COMPLETED);

    // streaming: the running attempt's deltas still become events.
    harness.processElement(
        SchedulerInput.of(new StepDelta("streaming", "ws-1", "a", 1, 2, "!", 1_000)), 0);
    succeed("streaming", "a", 1, "content-orchestrator", text("Hello world!"));
    assertThat(newEvents("streaming"))
        .containsExactly(
            "7 " + STEP_DELTA + ":a", "8 " + STEP_COMPLETED + ":a", "9 " + MISSION_COMPLETED);

    // done: a duplicate submission is still dropped.
    harness.processElement(
        SchedulerStateFixture.submit(
            "done",
            SchedulerStateFixture.plan(null, null, SchedulerStateFixture.step("a", "agent-scout"))),
        0);
    assertThat(newEvents("done")).isEmpty();

    // retry: the restored back-off timer starts attempt 2.
    harness.setProcessingTime(2_250);
    assertThat(request("retry", "a").attempt()).isEqualTo(2);
    succeed("retry", "a", 2, "agent-scout", text("a done"));
    assertThat(newEvents("retry"))
        .containsExactly(
            "6 " + STEP_STARTED + ":a", "7 " + STEP_COMPLETED + ":a", "8 " + MISSION_COMPLETED);

    // deadline: the restored deadline timer ends the mission.
    harness.setProcessingTime(31_000);
    assertThat(newEvents("deadline"))
        .containsExactly(
            "6 " + STEP_CANCELLED + ":a", "7 " + STEP_CANCELLED + ":b", "8 " + MISSION_TIMED_OUT);

    // done: the restored retention timer clears it; the same id is then a new mission.
    harness.setProcessingTime(1_000 + SchedulerStateFixture.OPTIONS.retention().toMillis());
    assertThat(newEvents("done")).isEmpty();
    harness.processElement(
        SchedulerStateFixture.submit(
            "done",
            SchedulerStateFixture.plan(null, null, SchedulerStateFixture.step("a", "agent-scout"))),
        0);
    assertThat(newEvents("done")).startsWith("1 " + MISSION_ACCEPTED);
  }

  @Test
  void aMissionIsConvertedOnItsFirstAccess_andItsJsonValueCleared() throws Exception {
    MissionScheduler scheduler = harness.scheduler();
    // A stale delta reads the mission (converting it) and is dropped.
    harness.processElement(
        SchedulerInput.of(new StepDelta("chain", "ws-1", "s2", 9, 0, "stale", 1_000)), 0);
    assertThat(harness.extractOutputValues()).isEmpty();

    harness.getOperator().setCurrentKey("chain");
    assertThat(scheduler.getRuntimeContext().getState(MissionScheduler.legacyDescriptor()).value())
        .isNull();
    MissionHeader header =
        scheduler.getRuntimeContext().getState(MissionScheduler.headerDescriptor()).value();
    assertThat(header.lastSeq).isEqualTo(7);
    assertThat(header.unfinishedSteps).isEqualTo(2);
    assertThat(header.runningSteps).isEqualTo(1);
    assertThat(
            scheduler
                .getRuntimeContext()
                .getMapState(MissionScheduler.outputsDescriptor())
                .get("s1")
                .get("text")
                .asText())
        .isEqualTo("s1 done");
    assertThat(scheduler.getRuntimeContext().getMapState(MissionScheduler.stepsDescriptor()).keys())
        .containsExactlyInAnyOrder("s1", "s2", "s3");

    // A mission not touched yet still has its JSON value, and no split state.
    harness.getOperator().setCurrentKey("diamond");
    assertThat(
            scheduler
                .getRuntimeContext()
                .getState(MissionScheduler.legacyDescriptor())
                .value()
                .lastSeq)
        .isEqualTo(10);
    assertThat(scheduler.getRuntimeContext().getState(MissionScheduler.headerDescriptor()).value())
        .isNull();
  }
}
