package dev.gpilot.jobs.scheduler;

import static dev.gpilot.contracts.events.EventTypes.MISSION_ACCEPTED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_CANCELLED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_COMPLETED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_FAILED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_TIMED_OUT;
import static dev.gpilot.contracts.events.EventTypes.PLAN_READY;
import static dev.gpilot.contracts.events.EventTypes.STEP_CANCELLED;
import static dev.gpilot.contracts.events.EventTypes.STEP_COMPLETED;
import static dev.gpilot.contracts.events.EventTypes.STEP_FAILED;
import static dev.gpilot.contracts.events.EventTypes.STEP_READY;
import static dev.gpilot.contracts.events.EventTypes.STEP_RETRYING;
import static dev.gpilot.contracts.events.EventTypes.STEP_SKIPPED;
import static dev.gpilot.contracts.events.EventTypes.STEP_STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.events.MissionEnded;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.StepEvent;
import dev.gpilot.contracts.events.StepFailed;
import dev.gpilot.contracts.events.StepRetrying;
import dev.gpilot.contracts.events.StepSkipped;
import dev.gpilot.contracts.events.StepTextDelta;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.Execution;
import dev.gpilot.contracts.mission.FailurePolicy;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.mission.StepStatus;
import dev.gpilot.contracts.plan.KnownAgents;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.ingest.SchedulerInput;
import dev.gpilot.testing.Schemas;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MissionSchedulerTest {
  private static final SchedulerOptions OPTIONS =
      new SchedulerOptions(
          KnownAgents.FLEET,
          3,
          Duration.ofSeconds(60),
          Duration.ofSeconds(1),
          Duration.ofSeconds(30),
          Duration.ofHours(1),
          false);
  private SchedulerHarness harness;
  private MissionScheduler scheduler;
  private int requestsSeen;
  private int eventsSeen;

  @BeforeEach
  void setUp() throws Exception {
    open(null);
  }

  private void open(org.apache.flink.runtime.checkpoint.OperatorSubtaskState restore)
      throws Exception {
    scheduler = new MissionScheduler(OPTIONS);
    harness = new SchedulerHarness(scheduler);
    if (restore != null) {
      harness.initializeState(restore);
    }
    harness.open();
    harness.setProcessingTime(1_000);
    requestsSeen = 0;
    eventsSeen = 0;
  }

  @AfterEach
  void tearDown() throws Exception {
    harness.close();
  }

  // ---------------------------------------------------------------- helpers

  private static PlanStep step(String id, String agent, String... deps) {
    return new PlanStep(id, agent, "do " + id, null, List.of(deps), null, null, null);
  }

  private static PlanStep when(String id, String agent, String condition, String... deps) {
    return new PlanStep(id, agent, "do " + id, null, List.of(deps), condition, null, null);
  }

  private static MissionConfig config(
      Plan plan, Execution execution, FailurePolicy policy, Integer deadline) {
    return new MissionConfig(
        List.of(),
        plan,
        execution,
        Json.mapper().createObjectNode().put("region", "eu"),
        deadline,
        policy,
        null);
  }

  private void submit(String id, MissionConfig config) throws Exception {
    harness.processElement(
        SchedulerInput.of(
            new MissionSubmitted(id, "ws-1", 500, "launch the product", config, null, null, null)),
        0);
  }

  private void submitPlan(String id, PlanStep... steps) throws Exception {
    submit(id, config(new Plan(List.of(steps)), null, null, null));
  }

  private List<MissionEvent> allEvents() {
    return harness.extractOutputValues();
  }

  /** Event types emitted since the last call. */
  private List<String> newEvents() {
    List<MissionEvent> all = allEvents();
    List<String> types =
        all.subList(eventsSeen, all.size()).stream()
            .map(
                e ->
                    e.type()
                        + (e instanceof StepEvent s && s.stepId() != null ? ":" + s.stepId() : ""))
            .toList();
    eventsSeen = all.size();
    return types;
  }

  private List<StepRequest> allRequests() {
    ConcurrentLinkedQueue<StreamRecord<StepRequest>> out =
        harness.getSideOutput(MissionScheduler.STEP_REQUESTS);
    return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
  }

  /** Requests sent since the last call. */
  private List<StepRequest> newRequests() {
    List<StepRequest> all = allRequests();
    List<StepRequest> fresh = all.subList(requestsSeen, all.size());
    requestsSeen = all.size();
    return List.copyOf(fresh);
  }

  private StepRequest request(String stepId) {
    return allRequests().stream()
        .filter(r -> r.stepId().equals(stepId))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  private void succeed(String stepId, JsonNode output) throws Exception {
    StepRequest r = request(stepId);
    harness.processElement(
        SchedulerInput.of(
            StepResult.succeeded(
                r.missionId(),
                r.workspaceId(),
                r.stepId(),
                r.attempt(),
                r.agent(),
                output,
                harness.getProcessingTime(),
                harness.getProcessingTime())),
        0);
  }

  private void succeed(String stepId) throws Exception {
    succeed(stepId, Json.mapper().createObjectNode().put("text", stepId + " done"));
  }

  private void fail(String stepId, String error, boolean retriable) throws Exception {
    StepRequest r = request(stepId);
    harness.processElement(
        SchedulerInput.of(
            StepResult.failed(
                r.missionId(),
                r.workspaceId(),
                r.stepId(),
                r.attempt(),
                r.agent(),
                error,
                harness.getProcessingTime(),
                harness.getProcessingTime(),
                retriable)),
        0);
  }

  /** A retriable failure whose provider asked to wait {@code retryAfterMs} before calling again. */
  private void throttle(String stepId, long retryAfterMs) throws Exception {
    StepRequest r = request(stepId);
    long now = harness.getProcessingTime();
    harness.processElement(
        SchedulerInput.of(
            new StepResult(
                r.missionId(),
                r.workspaceId(),
                r.stepId(),
                r.attempt(),
                r.agent(),
                false,
                null,
                "Gemini answered 429 RESOURCE_EXHAUSTED: slow down",
                now,
                now,
                null,
                null,
                0,
                null,
                true,
                retryAfterMs)),
        0);
  }

  /** What the scheduler's state holds of a mission (header and steps), or null. */
  static final class MissionView {
    MissionStatus status;
    String reason;
    final Map<String, StepState> steps = new LinkedHashMap<>();
  }

  private MissionView state(String missionId) throws Exception {
    harness.getOperator().setCurrentKey(missionId);
    MissionHeader header =
        scheduler.getRuntimeContext().getState(MissionScheduler.headerDescriptor()).value();
    if (header == null) {
      return null;
    }
    MissionView view = new MissionView();
    view.status = header.status;
    view.reason = header.reason;
    for (var e :
        scheduler.getRuntimeContext().getMapState(MissionScheduler.stepsDescriptor()).entries()) {
      view.steps.put(e.getKey(), e.getValue());
    }
    return view;
  }

  private List<MissionSummary> summaries() {
    ConcurrentLinkedQueue<StreamRecord<MissionSummary>> out =
        harness.getSideOutput(MissionScheduler.SUMMARIES);
    return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
  }

  // ---------------------------------------------------------------- tests

  @Test
  void explicitAgents_runInOrder_withConsecutiveSeqs_andEveryEventMatchesTheSchema()
      throws Exception {
    submit(
        "m1",
        MissionConfig.ofAgents(List.of("agent-scout", "seo-analyst", "independent-verifier")));
    assertThat(newEvents())
        .containsExactly(MISSION_ACCEPTED, PLAN_READY, STEP_READY + ":s1", STEP_STARTED + ":s1");

    succeed("s1");
    succeed("s2");
    succeed("s3");

    assertThat(newEvents())
        .containsExactly(
            STEP_COMPLETED + ":s1",
            STEP_READY + ":s2",
            STEP_STARTED + ":s2",
            STEP_COMPLETED + ":s2",
            STEP_READY + ":s3",
            STEP_STARTED + ":s3",
            STEP_COMPLETED + ":s3",
            MISSION_COMPLETED);
    List<MissionEvent> events = allEvents();
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).seq()).isEqualTo(i + 1);
      assertThat(events.get(i).workspaceId()).isEqualTo("ws-1");
      assertThat(Schemas.problems("mission-event.v1", events.get(i)))
          .as(events.get(i).type())
          .isEmpty();
    }
    assertThat(request("s2").dependencyOutputs()).containsOnlyKeys("s1");
    MissionSummary summary = summaries().get(summaries().size() - 1);
    assertThat(summary.status()).isEqualTo(MissionStatus.COMPLETED);
    assertThat(summary.result().has("s3")).isTrue();
    assertThat(summary.version()).isEqualTo(events.size());

    // The finished mission's state is kept for the retention, then cleared by its timer.
    assertThat(state("m1").status).isEqualTo(MissionStatus.COMPLETED);
    harness.setProcessingTime(1_000 + OPTIONS.retention().toMillis());
    assertThat(state("m1")).isNull();
  }

  @Test
  void diamond_runsIndependentStepsInParallel_andAConditionTrueRunsPublish() throws Exception {
    submitPlan(
        "d1",
        step("scout", "agent-scout"),
        step("seo", "seo-analyst", "scout"),
        step("write", "content-orchestrator", "scout"),
        when("publish", "content-orchestrator", "steps.seo.output.seoScore > 80", "seo", "write"),
        step("verify", "independent-verifier", "seo", "write"));
    assertThat(newRequests()).extracting(StepRequest::stepId).containsExactly("scout");

    succeed("scout");
    assertThat(newRequests())
        .extracting(StepRequest::stepId)
        .containsExactlyInAnyOrder("seo", "write");

    succeed("seo", Json.mapper().createObjectNode().put("seoScore", 91));
    assertThat(newRequests()).isEmpty();
    succeed("write");
    assertThat(newRequests())
        .extracting(StepRequest::stepId)
        .containsExactlyInAnyOrder("publish", "verify");
    succeed("publish");
    succeed("verify");

    assertThat(newEvents()).last().isEqualTo(MISSION_COMPLETED);
    assertThat(state("d1").steps.values())
        .allSatisfy(s -> assertThat(s.status).isEqualTo(StepStatus.SUCCEEDED));
  }

  @Test
  void diamond_conditionFalse_skipsPublish_andItsDependents_butVerifyStillRuns() throws Exception {
    submitPlan(
        "d2",
        step("scout", "agent-scout"),
        step("seo", "seo-analyst", "scout"),
        step("write", "content-orchestrator", "scout"),
        when("publish", "content-orchestrator", "steps.seo.output.seoScore > 80", "seo", "write"),
        step("announce", "content-orchestrator", "publish"),
        step("verify", "independent-verifier", "seo", "write"));
    succeed("scout");
    succeed("seo", Json.mapper().createObjectNode().put("seoScore", 42));
    succeed("write");
    newRequests();

    List<String> events = newEvents();
    assertThat(events)
        .contains(STEP_SKIPPED + ":publish", STEP_SKIPPED + ":announce", STEP_STARTED + ":verify");
    assertThat(allRequests()).extracting(StepRequest::stepId).doesNotContain("publish", "announce");
    StepSkipped skipped =
        allEvents().stream()
            .filter(e -> e instanceof StepSkipped s && "publish".equals(s.stepId()))
            .map(StepSkipped.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(skipped.reason()).contains("condition is false");

    succeed("verify");
    assertThat(newEvents()).last().isEqualTo(MISSION_COMPLETED);
  }

  @Test
  void conditionOnAnAbsentField_failsTheStepWithAClearReason() throws Exception {
    submitPlan(
        "c1",
        step("seo", "seo-analyst"),
        when("publish", "content-orchestrator", "steps.seo.output.seoScore > 80", "seo"));
    succeed("seo", Json.mapper().createObjectNode().put("text", "no score here"));

    StepFailed failed =
        allEvents().stream()
            .filter(e -> e instanceof StepFailed)
            .map(StepFailed.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(failed.stepId()).isEqualTo("publish");
    assertThat(failed.reason()).contains("seoScore");
    assertThat(newEvents()).last().isEqualTo(MISSION_FAILED);
  }

  @Test
  void sequentialExecution_runsOneStepAtATimeInTopologicalOrder() throws Exception {
    submit(
        "q1",
        config(
            new Plan(
                List.of(
                    step("b", "agent-scout", "a"),
                    step("a", "agent-scout"),
                    step("c", "agent-scout"))),
            Execution.SEQUENTIAL,
            null,
            null));
    assertThat(newRequests()).extracting(StepRequest::stepId).containsExactly("a");
    succeed("a");
    assertThat(newRequests()).extracting(StepRequest::stepId).containsExactly("b");
    succeed("b");
    assertThat(newRequests()).extracting(StepRequest::stepId).containsExactly("c");
  }

  @Test
  void retriableFailure_isRetriedAfterABackoffWithJitter_thenSucceeds() throws Exception {
    submitPlan("r1", step("a", "agent-scout"));
    newRequests();
    fail("a", "429 rate limited", true);

    StepRetrying retrying = (StepRetrying) allEvents().get(allEvents().size() - 1);
    assertThat(retrying.type()).isEqualTo(STEP_RETRYING);
    assertThat(retrying.attempt()).isEqualTo(1);
    assertThat(retrying.retryInMs()).isBetween(750L, 1250L);
    assertThat(newRequests()).isEmpty();

    harness.setProcessingTime(1_000 + retrying.retryInMs());
    assertThat(newRequests()).singleElement().satisfies(r -> assertThat(r.attempt()).isEqualTo(2));
    // A late result for the first attempt changes nothing.
    StepResult late = StepResult.succeeded("r1", "ws-1", "a", 1, "agent-scout", null, 0, 0);
    harness.processElement(SchedulerInput.of(late), 0);
    assertThat(state("r1").steps.get("a").status).isEqualTo(StepStatus.RUNNING);

    succeed("a");
    assertThat(newEvents()).last().isEqualTo(MISSION_COMPLETED);
    assertThat(state("r1").steps.get("a").attempt).isEqualTo(2);
  }

  @Test
  void providersRetryAfter_delaysTheNextAttemptAtLeastThatLong_withJitterOnTop() throws Exception {
    submitPlan("ra", step("a", "agent-scout"), step("b", "seo-analyst"));
    newRequests();
    throttle("a", 5_000);
    throttle("b", 500); // less than the back-off: the back-off wins

    List<StepRetrying> retrying =
        allEvents().stream()
            .filter(e -> e instanceof StepRetrying)
            .map(StepRetrying.class::cast)
            .toList();
    assertThat(retrying).hasSize(2);
    long a = retrying.get(0).retryInMs();
    assertThat(a).isBetween(5_000L, 6_250L);
    assertThat(retrying.get(1).retryInMs()).isBetween(750L, 1_250L);
    harness.setProcessingTime(1_000 + Math.max(1_250, a) - 1);
    assertThat(newRequests()).extracting(StepRequest::stepId).doesNotContain("a");

    harness.setProcessingTime(1_000 + a);
    assertThat(newRequests())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.stepId()).isEqualTo("a");
              assertThat(r.attempt()).isEqualTo(2);
            });
  }

  @Test
  void providersRetryAfterLongerThanTheStepTimeout_failsTheStep_namingTheWait() throws Exception {
    submitPlan("rl", new PlanStep("a", "agent-scout", "x", null, List.of(), null, 30, 3));
    newRequests();
    throttle("a", 3_600_000);

    assertThat(newEvents()).containsSubsequence(STEP_FAILED + ":a", MISSION_FAILED);
    assertThat(state("rl").steps.get("a").reason)
        .contains("429")
        .contains("asked to wait 3600000 ms")
        .contains("timeout of 30000 ms");
    assertThat(newRequests()).isEmpty();
  }

  @Test
  void attemptsRunOut_orANonRetriableError_failsTheStep_andFailFastCancelsTheRest()
      throws Exception {
    submitPlan(
        "f1", step("a", "agent-scout"), step("b", "seo-analyst"), step("c", "ui-auditor", "a"));
    newRequests();
    fail("a", "400 bad request", false);

    assertThat(newEvents())
        .containsSubsequence(
            STEP_FAILED + ":a", STEP_CANCELLED + ":b", STEP_CANCELLED + ":c", MISSION_FAILED);
    MissionView state = state("f1");
    assertThat(state.status).isEqualTo(MissionStatus.FAILED);
    assertThat(state.reason).contains("'a'").contains("400 bad request");
    // b was running: its result, when it comes, is discarded.
    succeed("b");
    assertThat(state("f1").steps.get("b").status).isEqualTo(StepStatus.CANCELLED);
    assertThat(newRequests()).isEmpty();
  }

  @Test
  void continuePolicy_letsIndependentBranchesFinish_andSkipsDependentsOfTheFailedStep()
      throws Exception {
    submit(
        "k1",
        config(
            new Plan(
                List.of(
                    step("a", "agent-scout"),
                    step("b", "seo-analyst"),
                    step("c", "ui-auditor", "a"))),
            null,
            FailurePolicy.CONTINUE,
            null));
    fail("a", "400 bad request", false);
    assertThat(newEvents())
        .contains(STEP_FAILED + ":a", STEP_SKIPPED + ":c")
        .doesNotContain(MISSION_FAILED);

    succeed("b");
    assertThat(newEvents()).containsExactly(STEP_COMPLETED + ":b", MISSION_FAILED);
    MissionView state = state("k1");
    assertThat(state.steps.get("b").status).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(state.steps.get("c").status).isEqualTo(StepStatus.SKIPPED);
    assertThat(state.reason).contains("a");
  }

  @Test
  void stepTimeout_firesByTimer_andCountsAsARetriableAttempt() throws Exception {
    submitPlan("t1", new PlanStep("slow", "agent-scout", "x", null, List.of(), null, 5, 2));
    newRequests();
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

    harness.setProcessingTime(1_000 + 5_000);
    StepRetrying retrying = (StepRetrying) allEvents().get(allEvents().size() - 1);
    assertThat(retrying.type()).isEqualTo(STEP_RETRYING);
    assertThat(retrying.reason()).contains("timed out");

    harness.setProcessingTime(1_000 + 5_000 + retrying.retryInMs());
    assertThat(newRequests()).singleElement().satisfies(r -> assertThat(r.attempt()).isEqualTo(2));
    harness.setProcessingTime(1_000 + 5_000 + retrying.retryInMs() + 5_000);
    assertThat(newEvents()).last().isEqualTo(MISSION_FAILED);
    assertThat(state("t1").steps.get("slow").reason).contains("timed out");
  }

  @Test
  void missionDeadline_endsTheMissionTimedOut() throws Exception {
    submit(
        "dl",
        config(
            new Plan(List.of(step("a", "agent-scout"), step("b", "agent-scout", "a"))),
            null,
            null,
            3));
    harness.setProcessingTime(1_000 + 3_000);

    assertThat(newEvents())
        .endsWith(STEP_CANCELLED + ":a", STEP_CANCELLED + ":b", MISSION_TIMED_OUT);
    assertThat(state("dl").status).isEqualTo(MissionStatus.TIMED_OUT);
  }

  @Test
  void cancel_cancelsRunningAndPendingSteps_andLateResultsAreDiscarded() throws Exception {
    submitPlan("x1", step("a", "agent-scout"), step("b", "seo-analyst", "a"));
    newEvents();
    harness.processElement(
        SchedulerInput.of(new MissionControl(MissionControl.CANCEL, "x1", "ws-1", "tester", 2_000)),
        0);

    assertThat(newEvents())
        .containsExactly(STEP_CANCELLED + ":a", STEP_CANCELLED + ":b", MISSION_CANCELLED);
    succeed("a");
    assertThat(newEvents()).isEmpty();
    assertThat(state("x1").status).isEqualTo(MissionStatus.CANCELLED);
    // A second cancel, or one for an unknown mission, does nothing.
    harness.processElement(
        SchedulerInput.of(new MissionControl(MissionControl.CANCEL, "x1", "ws-1", "tester", 2_001)),
        0);
    harness.processElement(
        SchedulerInput.of(
            new MissionControl(MissionControl.CANCEL, "nope", "ws-1", "tester", 2_001)),
        0);
    assertThat(newEvents()).isEmpty();
  }

  @Test
  void invalidPlan_failsTheMissionBeforeAnyStepRuns() throws Exception {
    submitPlan("bad", step("a", "agent-scout", "b"), step("b", "agent-scout", "a"));
    assertThat(newEvents()).containsExactly(MISSION_ACCEPTED, MISSION_FAILED);
    assertThat(((MissionEnded) allEvents().get(1)).reason()).contains("cycle");
    assertThat(allRequests()).isEmpty();

    submitPlan("bad2", step("a", "no-such-agent"));
    assertThat(((MissionEnded) allEvents().get(allEvents().size() - 1)).reason())
        .contains("unknown agent 'no-such-agent'");
    assertThat(allRequests()).isEmpty();
  }

  @Test
  void duplicateSubmission_andDuplicateResult_areIgnored() throws Exception {
    submit("m2", MissionConfig.ofAgents(List.of("agent-scout", "seo-analyst")));
    submit("m2", MissionConfig.ofAgents(List.of("agent-scout", "seo-analyst")));
    assertThat(newEvents()).hasSize(4);
    succeed("s1");
    StepRequest first = request("s1");
    harness.processElement(
        SchedulerInput.of(
            StepResult.succeeded("m2", "ws-1", "s1", first.attempt(), "agent-scout", null, 0, 0)),
        0);
    assertThat(newEvents())
        .containsExactly(STEP_COMPLETED + ":s1", STEP_READY + ":s2", STEP_STARTED + ":s2");
  }

  @Test
  void stateSurvivesSnapshotAndRestore_andTheMissionContinuesWithTheNextSeq() throws Exception {
    submit("m4", MissionConfig.ofAgents(List.of("agent-scout", "seo-analyst")));
    StepRequest first = request("s1");
    var snapshot = harness.snapshot(1L, 1_000L);
    harness.close();

    open(snapshot);
    harness.processElement(
        SchedulerInput.of(
            StepResult.succeeded(
                "m4",
                "ws-1",
                "s1",
                first.attempt(),
                "agent-scout",
                Json.mapper().createObjectNode(),
                1_100,
                1_200)),
        0);

    assertThat(allEvents())
        .extracting(MissionEvent::type)
        .containsExactly(STEP_COMPLETED, STEP_READY, STEP_STARTED);
    assertThat(allEvents()).extracting(MissionEvent::seq).containsExactly(5L, 6L, 7L);
    assertThat(allRequests()).extracting(StepRequest::stepId).containsExactly("s2");
  }

  /**
   * A header migrated from release 0.1.0 does not know how many steps are READY; the scheduler
   * counts them on the header's first access (here: one step waiting to retry), and the mission
   * goes on as before.
   */
  @Test
  void aMigratedHeaderWithoutReadySteps_isCountedOnFirstAccess_andTheMissionCompletes()
      throws Exception {
    submitPlan("u1", step("a", "agent-scout"), step("b", "seo-analyst"));
    newRequests();
    fail("a", "429 rate limited", true);
    StepRetrying retrying = (StepRetrying) allEvents().get(allEvents().size() - 1);
    assertThat(retrying.type()).isEqualTo(STEP_RETRYING);
    var headers = scheduler.getRuntimeContext().getState(MissionScheduler.headerDescriptor());
    harness.getOperator().setCurrentKey("u1");
    assertThat(headers.value().readySteps).isEqualTo(1);
    MissionHeader migrated = headers.value().copy();
    migrated.readySteps = MissionHeader.READY_STEPS_UNKNOWN;
    headers.update(migrated);

    succeed("b");
    harness.getOperator().setCurrentKey("u1");
    assertThat(headers.value().readySteps).isEqualTo(1);
    harness.setProcessingTime(1_000 + retrying.retryInMs());
    assertThat(newRequests())
        .extracting(StepRequest::stepId, StepRequest::attempt)
        .containsExactly(tuple("a", 2));
    succeed("a");
    assertThat(newEvents()).last().isEqualTo(MISSION_COMPLETED);
  }

  @Test
  void overseerPlanner_plansInAStepOfItsOwn_thenRunsTheValidatedPlan() throws Exception {
    submit(
        "o1",
        new MissionConfig(
            List.of("agent-scout", "seo-analyst"), null, null, null, null, null, "overseer"));
    assertThat(newEvents())
        .containsExactly(MISSION_ACCEPTED, STEP_READY + ":_plan", STEP_STARTED + ":_plan");
    StepRequest planning = newRequests().get(0);
    assertThat(planning.agent()).isEqualTo("mission-overseer");
    assertThat(planning.parameters().get("allowedAgents"))
        .extracting(JsonNode::asText)
        .containsExactly("agent-scout", "seo-analyst");

    JsonNode plan =
        Json.mapper()
            .valueToTree(
                new Plan(List.of(step("a", "agent-scout"), step("b", "seo-analyst", "a"))));
    succeed("_plan", plan);
    assertThat(newEvents())
        .containsExactly(
            STEP_COMPLETED + ":_plan", PLAN_READY, STEP_READY + ":a", STEP_STARTED + ":a");
    succeed("a");
    succeed("b");
    assertThat(newEvents()).last().isEqualTo(MISSION_COMPLETED);
  }

  @Test
  void overseerPlanNamingAnUnknownAgent_failsTheMissionWithTheValidationError() throws Exception {
    submit(
        "o2",
        new MissionConfig(List.of(), null, null, null, null, FailurePolicy.CONTINUE, "overseer"));
    JsonNode plan = Json.mapper().valueToTree(new Plan(List.of(step("a", "ghost-writer"))));
    succeed("_plan", plan);

    assertThat(newEvents()).endsWith(STEP_COMPLETED + ":_plan", MISSION_FAILED);
    assertThat(((MissionEnded) allEvents().get(allEvents().size() - 1)).reason())
        .contains("unknown agent 'ghost-writer'");
    assertThat(allRequests()).extracting(StepRequest::stepId).containsExactly("_plan");
  }

  @Test
  void deltasOfTheRunningAttempt_becomeStepDeltaEvents_othersAreDropped() throws Exception {
    submitPlan("dd", step("a", "content-orchestrator"));
    newEvents();
    harness.processElement(
        SchedulerInput.of(new StepDelta("dd", "ws-1", "a", 1, 0, "Hello ", 1_000)), 0);
    harness.processElement(
        SchedulerInput.of(new StepDelta("dd", "ws-1", "a", 2, 0, "stale", 1_000)), 0);
    harness.processElement(
        SchedulerInput.of(new StepDelta("dd", "ws-1", "zz", 1, 0, "nope", 1_000)), 0);

    assertThat(newEvents()).containsExactly("step.delta:a");
    StepTextDelta delta = (StepTextDelta) allEvents().get(allEvents().size() - 1);
    assertThat(delta.text()).isEqualTo("Hello ");
    assertThat(delta.attempt()).isEqualTo(1);
    assertThat(Schemas.problems("mission-event.v1", delta)).isEmpty();
    succeed("a");
    harness.processElement(
        SchedulerInput.of(new StepDelta("dd", "ws-1", "a", 1, 1, "late", 1_000)), 0);
    assertThat(newEvents()).containsExactly(STEP_COMPLETED + ":a", MISSION_COMPLETED);
  }

  @Test
  void paramsReachConditions() throws Exception {
    ObjectNode params = Json.mapper().createObjectNode().put("region", "us");
    submit(
        "p1",
        new MissionConfig(
            List.of(),
            new Plan(
                List.of(
                    step("a", "agent-scout"),
                    when("eu", "content-orchestrator", "mission.params.region == 'eu'", "a"))),
            null,
            params,
            null,
            null,
            null));
    succeed("a");
    assertThat(newEvents()).contains(STEP_SKIPPED + ":eu").last().isEqualTo(MISSION_COMPLETED);
  }
}
