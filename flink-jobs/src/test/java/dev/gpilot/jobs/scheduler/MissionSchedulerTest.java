package dev.gpilot.jobs.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.mission.StepStatus;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.ingest.SchedulerInput;
import dev.gpilot.testing.Schemas;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MissionSchedulerTest {
  private static final Duration RETENTION = Duration.ofHours(1);
  private KeyedOneInputStreamOperatorTestHarness<String, SchedulerInput, MissionEvent> harness;
  private MissionScheduler scheduler;

  @BeforeEach
  void setUp() throws Exception {
    scheduler = new MissionScheduler(RETENTION);
    harness = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(scheduler), SchedulerInput::missionId, Types.STRING);
    harness.open();
    harness.setProcessingTime(1_000);
  }

  @AfterEach
  void tearDown() throws Exception {
    harness.close();
  }

  private static MissionSubmitted mission(String id, String... agents) {
    return new MissionSubmitted(id, "ws-1", 500, "launch the product", new MissionConfig(List.of(agents)),
        null, null, null);
  }

  private static StepResult ok(StepRequest r, long finishedAt) {
    JsonNode output = Json.mapper().createObjectNode().put("text", r.agent() + " done");
    return StepResult.succeeded(r.missionId(), r.workspaceId(), r.stepId(), r.attempt(), r.agent(), output,
        finishedAt - 5, finishedAt);
  }

  private List<MissionEvent> events() {
    return harness.extractOutputValues();
  }

  private List<StepRequest> requests() {
    ConcurrentLinkedQueue<StreamRecord<StepRequest>> out = harness.getSideOutput(MissionScheduler.STEP_REQUESTS);
    return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
  }

  private List<MissionSummary> summaries() {
    ConcurrentLinkedQueue<StreamRecord<MissionSummary>> out = harness.getSideOutput(MissionScheduler.SUMMARIES);
    return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
  }

  private MissionState state(String missionId) throws Exception {
    harness.getOperator().setCurrentKey(missionId);
    return scheduler.getRuntimeContext()
        .getState(new org.apache.flink.api.common.state.ValueStateDescriptor<>("mission",
            dev.gpilot.jobs.internal.serde.JsonTypeInfo.of(MissionState.class)))
        .value();
  }

  @Test
  void threeStepMission_runsStepsInOrder_andCompletesWithConsecutiveSeqs() throws Exception {
    harness.processElement(SchedulerInput.of(mission("m1", "agent-scout", "seo-analyst", "independent-verifier")), 0);

    assertThat(events()).extracting(MissionEvent::type)
        .containsExactly(EventTypes.MISSION_ACCEPTED, EventTypes.PLAN_READY, EventTypes.STEP_STARTED);
    assertThat(requests()).singleElement().satisfies(r -> {
      assertThat(r.stepId()).isEqualTo("s1");
      assertThat(r.attempt()).isEqualTo(1);
      assertThat(r.workspaceId()).isEqualTo("ws-1");
    });

    for (int i = 0; i < 3; i++) {
      StepRequest last = requests().get(requests().size() - 1);
      harness.setProcessingTime(2_000 + i * 100);
      harness.processElement(SchedulerInput.of(ok(last, 2_000 + i * 100)), 0);
    }

    List<MissionEvent> events = events();
    assertThat(events).extracting(MissionEvent::type).containsExactly(
        EventTypes.MISSION_ACCEPTED, EventTypes.PLAN_READY,
        EventTypes.STEP_STARTED, EventTypes.STEP_COMPLETED,
        EventTypes.STEP_STARTED, EventTypes.STEP_COMPLETED,
        EventTypes.STEP_STARTED, EventTypes.STEP_COMPLETED,
        EventTypes.MISSION_COMPLETED);
    assertThat(events).extracting(MissionEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(events).allSatisfy(e -> {
      assertThat(e.workspaceId()).isEqualTo("ws-1");
      assertThat(Schemas.problems("mission-event.v1", e)).as(e.type()).isEmpty();
    });
    assertThat(requests()).extracting(StepRequest::stepId).containsExactly("s1", "s2", "s3");

    MissionState state = state("m1");
    assertThat(state.status).isEqualTo(MissionStatus.COMPLETED);
    assertThat(state.steps.values()).allSatisfy(s -> assertThat(s.status).isEqualTo(StepStatus.SUCCEEDED));
    MissionSummary summary = summaries().get(summaries().size() - 1);
    assertThat(summary.status()).isEqualTo(MissionStatus.COMPLETED);
    assertThat(summary.stepsSucceeded()).isEqualTo(3);
    assertThat(summary.result().has("s3")).isTrue();
    assertThat(summary.version()).isEqualTo(9);
    // The finished mission's state is kept for the retention, then cleared by a timer.
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
    harness.setProcessingTime(2_200 + RETENTION.toMillis());
    assertThat(state("m1")).isNull();
  }

  @Test
  void duplicateSubmission_andDuplicateResult_areIgnored() throws Exception {
    harness.processElement(SchedulerInput.of(mission("m2", "agent-scout", "seo-analyst")), 0);
    harness.processElement(SchedulerInput.of(mission("m2", "agent-scout", "seo-analyst")), 0);
    assertThat(events()).hasSize(3);

    StepRequest first = requests().get(0);
    harness.processElement(SchedulerInput.of(ok(first, 1_500)), 0);
    harness.processElement(SchedulerInput.of(ok(first, 1_600)), 0);

    assertThat(events()).extracting(MissionEvent::type).containsExactly(
        EventTypes.MISSION_ACCEPTED, EventTypes.PLAN_READY, EventTypes.STEP_STARTED, EventTypes.STEP_COMPLETED,
        EventTypes.STEP_STARTED);
    assertThat(requests()).hasSize(2);
  }

  @Test
  void failedStep_failsTheMission_andCancelsTheRest() throws Exception {
    harness.processElement(SchedulerInput.of(mission("m3", "agent-scout", "seo-analyst")), 0);
    StepRequest first = requests().get(0);
    harness.processElement(SchedulerInput.of(StepResult.failed("m3", "ws-1", "s1", 1, "agent-scout",
        "model unavailable", 1_000, 1_100)), 0);

    List<MissionEvent> events = events();
    assertThat(events).extracting(MissionEvent::type).endsWith(EventTypes.STEP_FAILED, EventTypes.MISSION_FAILED);
    assertThat(events.get(events.size() - 1).reason()).contains("s1").contains("model unavailable");
    MissionState state = state("m3");
    assertThat(state.status).isEqualTo(MissionStatus.FAILED);
    assertThat(state.steps.get("s2").status).isEqualTo(StepStatus.CANCELLED);
    assertThat(requests()).containsExactly(first);
  }

  @Test
  void stateSurvivesSnapshotAndRestore_andTheMissionContinuesWithTheNextSeq() throws Exception {
    harness.processElement(SchedulerInput.of(mission("m4", "agent-scout", "seo-analyst")), 0);
    StepRequest first = requests().get(0);
    var snapshot = harness.snapshot(1L, 1_000L);
    harness.close();

    scheduler = new MissionScheduler(RETENTION);
    harness = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(scheduler), SchedulerInput::missionId, Types.STRING);
    harness.initializeState(snapshot);
    harness.open();
    harness.processElement(SchedulerInput.of(ok(first, 1_200)), 0);

    assertThat(events()).extracting(MissionEvent::type)
        .containsExactly(EventTypes.STEP_COMPLETED, EventTypes.STEP_STARTED);
    assertThat(events()).extracting(MissionEvent::seq).containsExactly(4L, 5L);
    assertThat(requests()).extracting(StepRequest::stepId).containsExactly("s2");
  }
}
