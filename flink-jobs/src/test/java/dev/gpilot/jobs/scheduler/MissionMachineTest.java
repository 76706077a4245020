package dev.gpilot.jobs.scheduler;

import static dev.gpilot.contracts.events.EventTypes.MISSION_ACCEPTED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_BUDGET_EXCEEDED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_BUDGET_REACHED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_CANCELLED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_COMPLETED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_FAILED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_RESUMED;
import static dev.gpilot.contracts.events.EventTypes.MISSION_TIMED_OUT;
import static dev.gpilot.contracts.events.EventTypes.PLAN_READY;
import static dev.gpilot.contracts.events.EventTypes.STEP_CANCELLED;
import static dev.gpilot.contracts.events.EventTypes.STEP_COMPLETED;
import static dev.gpilot.contracts.events.EventTypes.STEP_DELTA;
import static dev.gpilot.contracts.events.EventTypes.STEP_FAILED;
import static dev.gpilot.contracts.events.EventTypes.STEP_READY;
import static dev.gpilot.contracts.events.EventTypes.STEP_RETRYING;
import static dev.gpilot.contracts.events.EventTypes.STEP_SKIPPED;
import static dev.gpilot.contracts.events.EventTypes.STEP_STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.MissionAccepted;
import dev.gpilot.contracts.events.MissionBudgetReached;
import dev.gpilot.contracts.events.MissionEnded;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.StepCompleted;
import dev.gpilot.contracts.events.StepRetrying;
import dev.gpilot.contracts.events.StepStarted;
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
import dev.gpilot.contracts.mission.Rerun;
import dev.gpilot.contracts.mission.StepStatus;
import dev.gpilot.contracts.plan.KnownAgents;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.rebuild.SummaryFold;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Every transition of {@link MissionMachine}, without Flink. Named as {@code input_state →
 * outcome}:
 *
 * <ol>
 *   <li>Submitted, unknown id, explicit plan → accepted, plan.ready, roots ready and started
 *       (requests, timeout timers), a summary.
 *   <li>Submitted, explicit agents → the deterministic chain s1 → s2 → …
 *   <li>Submitted, overseer planner → the {@code _plan} step runs with the allowed agents.
 *   <li>Submitted, invalid plan → mission.failed with the reason; nothing runs.
 *   <li>Submitted, known id (running or finished) → dropped.
 *   <li>Submitted with a deadline → a deadline timer.
 *   <li>Result, success of the running attempt → step.completed; dependents ready and started with
 *       the outputs; only the steps it changes are read and written.
 *   <li>Result, unknown mission / unknown step / stale attempt / step not running → dropped,
 *       nothing written.
 *   <li>Result, retriable failure with attempts left → step.retrying with the retry policy's delay,
 *       a timer; at the timer the next attempt starts.
 *   <li>Result, non-retriable failure or last attempt, fail-fast → step.failed, the rest cancelled,
 *       mission.failed.
 *   <li>Result, failure under continue → dependents skipped, other branches finish, mission.failed
 *       at the end.
 *   <li>Result, the last step succeeds → mission.completed; the summary's result holds the final
 *       steps' outputs and its cost sums every attempt.
 *   <li>Result of {@code _plan}: a valid plan → plan.ready and its roots run; not a plan →
 *       mission.failed; an invalid plan → mission.failed; a failed planning step → mission.failed
 *       even under continue.
 *   <li>Settling: condition true → ready; false → skipped (and its dependents); not evaluable →
 *       step.failed.
 *   <li>Delta of the running attempt → step.delta, only the header written; stale or unknown →
 *       dropped.
 *   <li>Control cancel → unfinished steps cancelled, mission.cancelled; of a finished or unknown
 *       mission → dropped.
 *   <li>Control budget-held of the running attempt → its timeout suspended, PAUSED,
 *       mission.budget_reached; budget-released → the timeout counts from then, RUNNING and
 *       mission.resumed once no attempt waits; stale or repeated → dropped; held past {@code
 *       budgetWaitSeconds} → mission.budget_exceeded, BUDGET_EXCEEDED.
 *   <li>Timer, attempt timeout → retrying (retriable), or failed when attempts run out; a timer for
 *       a finished attempt → nothing.
 *   <li>Timer, deadline → unfinished steps cancelled, mission.timed_out.
 *   <li>Timer, retention of a finished mission → clear; before it → nothing; of an unknown mission
 *       → nothing.
 *   <li>Sequential execution → one step at a time in topological order; a step waiting to retry
 *       keeps its turn.
 *   <li>Submitted fork ({@code rerun}) → accepted with {@code rerunOf}; reused steps completed at
 *       once, marked reused, cost 0, no request; the rest run on the fork's model with the reused
 *       outputs as inputs; a reused output whose dependency is not reused is ignored (the step
 *       runs); a fork without reuse runs every step on its model.
 * </ol>
 */
class MissionMachineTest {
  static final SchedulerOptions OPTIONS =
      new SchedulerOptions(
          KnownAgents.FLEET,
          3,
          Duration.ofSeconds(60),
          Duration.ofSeconds(1),
          Duration.ofSeconds(30),
          Duration.ofHours(1),
          false);

  /** Deterministic: 1 s × the failed attempt. */
  static final RetryPolicy RETRY = (attempt, result) -> 1_000L * attempt;

  private final MissionMemory m = new MissionMemory(new MissionMachine(OPTIONS, RETRY));
  private int seen;

  static PlanStep step(String id, String... deps) {
    return new PlanStep(id, "agent-scout", "do " + id, null, List.of(deps), null, null, null);
  }

  static PlanStep when(String id, String condition, String... deps) {
    return new PlanStep(id, "agent-scout", "do " + id, null, List.of(deps), condition, null, null);
  }

  static MissionConfig config(
      Execution execution, FailurePolicy policy, Integer deadline, PlanStep... steps) {
    return new MissionConfig(
        List.of(), new Plan(List.of(steps)), execution, null, deadline, policy, null);
  }

  private Transition submit(MissionConfig config) {
    return m.apply(
        new MissionInput.Submitted(
            new MissionSubmitted("m", "ws", 500, "the mission", config, null, null, null)));
  }

  private Transition submit(PlanStep... steps) {
    return submit(config(null, null, null, steps));
  }

  private List<String> fresh() {
    List<String> types = m.types(seen);
    seen = m.events.size();
    return types;
  }

  private Transition succeed(String stepId, JsonNode output) {
    StepRequest r = m.request(stepId);
    return m.apply(
        new MissionInput.Result(
            StepResult.succeeded("m", "ws", stepId, r.attempt(), r.agent(), output, m.now, m.now)));
  }

  private Transition succeed(String stepId) {
    return succeed(stepId, Json.mapper().createObjectNode().put("text", stepId));
  }

  private Transition fail(String stepId, boolean retriable) {
    StepRequest r = m.request(stepId);
    return m.apply(
        new MissionInput.Result(
            StepResult.failed(
                "m", "ws", stepId, r.attempt(), r.agent(), "boom", m.now, m.now, retriable)));
  }

  private MissionEvent lastEvent() {
    return m.events.get(m.events.size() - 1);
  }

  /**
   * A rebuild from the topics ({@link SummaryFold} over the events so far and the submission's
   * time) gives the summary the machine wrote last, the live {@code missions} row, finished or not;
   * nothing before the first.
   */
  private void assertRebuiltRowIsTheLiveOne() {
    Optional<MissionSummary> live =
        m.summaries.isEmpty()
            ? Optional.empty()
            : Optional.of(m.summaries.get(m.summaries.size() - 1));
    assertThat(SummaryFold.fold(m.events, 500L)).isEqualTo(live);
  }

  /** The last event, which must be a {@code type}. */
  private <T extends MissionEvent> T last(Class<T> type) {
    assertThat(lastEvent()).isInstanceOf(type);
    return type.cast(lastEvent());
  }

  @Test
  void submitted_explicitPlan_acceptsPlansAndStartsTheRoots() {
    Transition t = submit(step("a"), step("b"), step("c", "a", "b"));
    assertThat(fresh())
        .containsExactly(
            MISSION_ACCEPTED,
            PLAN_READY,
            STEP_READY + ":a",
            STEP_READY + ":b",
            STEP_STARTED + ":a",
            STEP_STARTED + ":b");
    assertThat(t.requests()).extracting(StepRequest::stepId).containsExactly("a", "b");
    assertThat(t.timers()).containsExactly(61_000L, 61_000L);
    assertThat(t.summaries())
        .singleElement()
        .satisfies(s -> assertThat(s.status()).isEqualTo(MissionStatus.RUNNING));
    assertThat(m.header.status).isEqualTo(MissionStatus.RUNNING);
    assertThat(m.header.unfinishedSteps).isEqualTo(3);
    assertThat(m.header.runningSteps).isEqualTo(2);
    assertThat(m.events).extracting(MissionEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
  }

  @Test
  void submitted_explicitAgents_runsTheDeterministicChain() {
    submit(MissionConfig.ofAgents(List.of("agent-scout", "seo-analyst")));
    assertThat(m.definition.order()).containsExactly("s1", "s2");
    assertThat(m.requests).extracting(StepRequest::stepId).containsExactly("s1");
    succeed("s1");
    assertThat(m.request("s2").dependencyOutputs()).containsOnlyKeys("s1");
  }

  @Test
  void submitted_overseer_runsThePlanningStep_thenItsPlan() {
    submit(
        new MissionConfig(
            List.of("agent-scout"), null, null, null, null, FailurePolicy.CONTINUE, "overseer"));
    assertThat(fresh())
        .containsExactly(MISSION_ACCEPTED, STEP_READY + ":_plan", STEP_STARTED + ":_plan");
    assertThat(m.request("_plan").parameters().get("allowedAgents").get(0).asText())
        .isEqualTo("agent-scout");
    assertThat(m.header.status).isEqualTo(MissionStatus.PLANNING);
    assertThat(m.summaries).isEmpty();
    assertRebuiltRowIsTheLiveOne();

    succeed("_plan", Json.mapper().valueToTree(new Plan(List.of(step("a"), step("b", "a")))));
    assertThat(fresh())
        .containsExactly(
            STEP_COMPLETED + ":_plan", PLAN_READY, STEP_READY + ":a", STEP_STARTED + ":a");
    assertThat(m.summaries)
        .singleElement()
        .satisfies(s -> assertThat(s.stepsSucceeded()).isEqualTo(1));
    assertRebuiltRowIsTheLiveOne();
    succeed("a");
    assertRebuiltRowIsTheLiveOne();
    succeed("b");
    assertThat(fresh()).last().isEqualTo(MISSION_COMPLETED);
    // The planning step counts as a step of the mission, as it always has.
    MissionSummary summary = m.last.summaries().get(0);
    assertThat(summary.stepsTotal()).isEqualTo(3);
    assertRebuiltRowIsTheLiveOne();
  }

  @Test
  void submitted_invalidPlan_failsTheMissionBeforeAnythingRuns() {
    Transition t = submit(step("a", "b"), step("b", "a"));
    assertThat(fresh()).containsExactly(MISSION_ACCEPTED, MISSION_FAILED);
    assertThat(last(MissionEnded.class).reason()).startsWith("invalid plan:").contains("cycle");
    assertThat(t.requests()).isEmpty();
    assertThat(m.header.status).isEqualTo(MissionStatus.FAILED);
    assertThat(t.timers()).containsExactly(1_000 + OPTIONS.retention().toMillis());
  }

  @Test
  void submitted_knownId_isDropped_whetherRunningOrFinished() {
    submit(step("a"));
    assertThat(submit(step("a")).dropped()).isTrue();
    succeed("a");
    Transition again = submit(step("a"));
    assertThat(again.dropped()).isTrue();
    assertThat(again.events()).isEmpty();
    assertThat(again.header()).isNull();
  }

  @Test
  void submitted_withDeadline_setsItsTimer() {
    Transition t = submit(config(null, null, 30, step("a")));
    assertThat(m.header.deadlineAt).isEqualTo(31_000);
    assertThat(t.timers()).contains(31_000L);
  }

  @Test
  void result_success_completesTheStep_andStartsDependentsWithTheirInputs() {
    submit(step("a"), step("b"), step("c", "a", "b"));
    fresh();
    succeed("a", Json.mapper().createObjectNode().put("x", 1));
    assertThat(fresh()).containsExactly(STEP_COMPLETED + ":a");
    Transition t = succeed("b", Json.mapper().createObjectNode().put("y", 2));
    assertThat(fresh())
        .containsExactly(STEP_COMPLETED + ":b", STEP_READY + ":c", STEP_STARTED + ":c");
    StepRequest c = t.requests().get(0);
    assertThat(c.dependencyOutputs()).containsOnlyKeys("a", "b");
    assertThat(c.dependencyOutputs().get("b").get("y").asInt()).isEqualTo(2);
    // Writes: the header, b (completed) and c (started); b's output. Not a, not the definition.
    assertThat(t.steps()).containsOnlyKeys("b", "c");
    assertThat(t.outputs()).containsOnlyKeys("b");
    assertThat(t.definition()).isNull();
  }

  @Test
  void result_inALongChain_readsAndWritesOnlyTheStepsItChanges() {
    List<PlanStep> chain = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      chain.add(i == 0 ? step("s0") : step("s" + i, "s" + (i - 1)));
    }
    submit(config(null, null, null, chain.toArray(PlanStep[]::new)));
    for (int i = 0; i < 100; i++) {
      succeed("s" + i);
    }
    m.reads = 0;
    Transition t = succeed("s100");
    assertThat(t.steps()).containsOnlyKeys("s100", "s101");
    assertThat(t.outputs()).containsOnlyKeys("s100");
    // Header, definition, s100 (twice: the check and the change), s101, s100's output for s101's
    // request.
    assertThat(m.reads).isLessThanOrEqualTo(8);
  }

  @Test
  void result_unknownOrStale_isDropped_andWritesNothing() {
    Transition unknownMission =
        m.apply(
            new MissionInput.Result(
                StepResult.succeeded("m", "ws", "a", 1, "agent-scout", null, 0, 0)));
    assertThat(unknownMission.dropped()).isTrue();
    submit(step("a"), step("b", "a"));
    fresh();
    for (StepResult r :
        List.of(
            StepResult.succeeded("m", "ws", "zz", 1, "agent-scout", null, 0, 0),
            StepResult.succeeded("m", "ws", "a", 2, "agent-scout", null, 0, 0),
            StepResult.succeeded("m", "ws", "b", 1, "agent-scout", null, 0, 0))) {
      Transition t = m.apply(new MissionInput.Result(r));
      assertThat(t).isEqualTo(Transition.DROPPED);
    }
    succeed("a");
    assertThat(
            m.apply(
                    new MissionInput.Result(
                        StepResult.succeeded("m", "ws", "a", 1, "agent-scout", null, 0, 0)))
                .dropped())
        .isTrue();
  }

  @Test
  void result_retriableFailure_retriesAfterThePolicysDelay() {
    submit(step("a"));
    fresh();
    Transition t = fail("a", true);
    assertThat(fresh()).containsExactly(STEP_RETRYING + ":a");
    assertThat(last(StepRetrying.class).retryInMs()).isEqualTo(1_000L);
    assertThat(last(StepRetrying.class).attempt()).isEqualTo(1);
    assertThat(t.timers()).contains(2_000L);
    assertThat(m.steps.get("a").status).isEqualTo(StepStatus.READY);
    assertThat(m.header.runningSteps).isZero();

    m.advanceTo(1_999);
    assertThat(fresh()).isEmpty();
    m.advanceTo(2_000);
    assertThat(fresh()).containsExactly(STEP_STARTED + ":a");
    assertThat(m.request("a").attempt()).isEqualTo(2);
    fail("a", true);
    assertThat(last(StepRetrying.class).retryInMs()).isEqualTo(2_000L);
  }

  @Test
  void result_nonRetriableOrLastAttempt_failFast_cancelsTheRest() {
    submit(
        new PlanStep("a", "agent-scout", "x", null, List.of(), null, null, 2),
        step("b"),
        step("c", "a"));
    fresh();
    fail("a", true);
    m.advanceTo(2_000);
    fresh();
    fail("a", true);
    assertThat(fresh())
        .containsExactly(
            STEP_FAILED + ":a", STEP_CANCELLED + ":b", STEP_CANCELLED + ":c", MISSION_FAILED);
    assertThat(m.header.reason).isEqualTo("step 'a' failed: boom");
    assertThat(m.header.unfinishedSteps).isZero();
    assertThat(m.header.runningSteps).isZero();
  }

  @Test
  void result_failureUnderContinue_skipsDependents_andFailsTheMissionAtTheEnd() {
    submit(
        config(
            null,
            FailurePolicy.CONTINUE,
            null,
            step("a"),
            step("b"),
            step("c", "a"),
            step("d", "c")));
    fresh();
    fail("a", false);
    assertThat(fresh())
        .containsExactly(STEP_FAILED + ":a", STEP_SKIPPED + ":c", STEP_SKIPPED + ":d");
    assertThat(m.steps.get("d").reason).isEqualTo("dependency 'c' skipped");
    succeed("b");
    assertThat(fresh()).containsExactly(STEP_COMPLETED + ":b", MISSION_FAILED);
    assertThat(m.header.reason).isEqualTo("steps failed: a");
  }

  @Test
  void result_lastStep_completesTheMission_withResultAndCost() {
    submit(step("a"), step("b", "a"), step("c", "a"));
    StepRequest a = m.request("a");
    m.apply(
        new MissionInput.Result(
            new StepResult(
                "m",
                "ws",
                "a",
                1,
                "agent-scout",
                true,
                Json.mapper().createObjectNode().put("t", "a"),
                null,
                1_000,
                1_200,
                "gemini",
                new Usage(10, 5, 0, 0),
                700,
                "p1",
                false)));
    assertThat(a.attempt()).isEqualTo(1);
    assertThat(lastEvent().type()).isEqualTo(STEP_STARTED);
    succeed("b");
    Transition t = succeed("c");
    assertThat(lastEvent().type()).isEqualTo(MISSION_COMPLETED);
    assertThat(last(MissionEnded.class).costMicros()).isEqualTo(700L);
    MissionSummary summary = t.summaries().get(0);
    assertThat(summary.result().fieldNames()).toIterable().containsExactly("b", "c");
    assertThat(summary.costMicros()).isEqualTo(700);
    assertThat(summary.agentCosts()).containsEntry("agent-scout", 700L);
    assertThat(summary.version()).isEqualTo(lastEvent().seq());
    assertThat(t.timers()).containsExactly(1_000 + OPTIONS.retention().toMillis());
  }

  @Test
  void result_ofThePlanningStep_notAPlan_orInvalid_orFailed_failsTheMission() {
    MissionConfig overseer =
        new MissionConfig(List.of(), null, null, null, null, FailurePolicy.CONTINUE, "overseer");
    submit(overseer);
    succeed("_plan", Json.mapper().getNodeFactory().textNode("no plan"));
    assertThat(lastEvent().type()).isEqualTo(MISSION_FAILED);
    assertThat(last(MissionEnded.class).reason()).contains("did not answer with a plan");

    // No output at all: the same (it used to escape as a NullPointerException and fail the job).
    MissionMemory empty = new MissionMemory(new MissionMachine(OPTIONS, RETRY));
    empty.apply(
        new MissionInput.Submitted(
            new MissionSubmitted("m", "ws", 0, "x", overseer, null, null, null)));
    empty.apply(
        new MissionInput.Result(
            StepResult.succeeded("m", "ws", "_plan", 1, "mission-overseer", null, 0, 0)));
    assertThat(((MissionEnded) empty.events.get(empty.events.size() - 1)).reason())
        .contains("did not answer with a plan");

    MissionMemory invalid = new MissionMemory(new MissionMachine(OPTIONS, RETRY));
    invalid.apply(
        new MissionInput.Submitted(
            new MissionSubmitted("m", "ws", 0, "x", overseer, null, null, null)));
    invalid.apply(
        new MissionInput.Result(
            StepResult.succeeded(
                "m",
                "ws",
                "_plan",
                1,
                "mission-overseer",
                Json.mapper()
                    .valueToTree(
                        new Plan(
                            List.of(
                                new PlanStep("a", "ghost", "x", null, null, null, null, null)))),
                0,
                0)));
    assertThat(((MissionEnded) invalid.events.get(invalid.events.size() - 1)).reason())
        .contains("unknown agent 'ghost'");

    MissionMemory failed = new MissionMemory(new MissionMachine(OPTIONS, RETRY));
    failed.apply(
        new MissionInput.Submitted(
            new MissionSubmitted("m", "ws", 0, "x", overseer, null, null, null)));
    failed.apply(
        new MissionInput.Result(
            StepResult.failed("m", "ws", "_plan", 1, "mission-overseer", "no", 0, 0)));
    assertThat(failed.types(0)).endsWith(STEP_FAILED + ":_plan", MISSION_FAILED);
  }

  @Test
  void settling_conditionTrueRuns_falseSkipsWithDependents_unevaluableFails() {
    submit(
        config(
            null,
            FailurePolicy.CONTINUE,
            null,
            step("seo"),
            when("hi", "steps.seo.output.score > 80", "seo"),
            when("lo", "steps.seo.output.score < 10", "seo"),
            step("after", "lo"),
            when("bad", "steps.seo.output.missing > 1", "seo")));
    fresh();
    succeed("seo", Json.mapper().createObjectNode().put("score", 91));
    assertThat(fresh())
        .containsExactly(
            STEP_COMPLETED + ":seo",
            STEP_READY + ":hi",
            STEP_SKIPPED + ":lo",
            STEP_SKIPPED + ":after",
            STEP_FAILED + ":bad",
            STEP_STARTED + ":hi");
    assertThat(m.steps.get("lo").reason)
        .isEqualTo("condition is false: steps.seo.output.score < 10");
    assertThat(m.steps.get("bad").reason).contains("missing");
    assertThat(m.steps.get("bad").attempt).isEqualTo(1);
  }

  @Test
  void delta_ofTheRunningAttempt_becomesAnEvent_writingOnlyTheHeader() {
    submit(step("a"), step("b"));
    fresh();
    m.reads = 0;
    Transition t =
        m.apply(new MissionInput.Delta(new StepDelta("m", "ws", "a", 1, 0, "Hi", 1_000)));
    assertThat(fresh()).containsExactly(STEP_DELTA + ":a");
    assertThat(last(StepTextDelta.class).text()).isEqualTo("Hi");
    assertThat(t.header()).isNotNull();
    assertThat(t.header().lastSeq).isEqualTo(lastEvent().seq());
    assertThat(t.steps()).isEmpty();
    assertThat(t.outputs()).isEmpty();
    assertThat(t.definition()).isNull();
    assertThat(t.timers()).isEmpty();
    // Reads: the header and the step, nothing of the plan or other steps.
    assertThat(m.reads).isLessThanOrEqualTo(3);

    for (StepDelta stale :
        List.of(
            new StepDelta("m", "ws", "a", 2, 0, "x", 0),
            new StepDelta("m", "ws", "zz", 1, 0, "x", 0),
            new StepDelta("other", "ws", "a", 1, 0, "x", 0))) {
      MissionMemory target = stale.missionId().equals("m") ? m : new MissionMemory(m.machine);
      assertThat(target.apply(new MissionInput.Delta(stale))).isEqualTo(Transition.DROPPED);
    }
  }

  @Test
  void control_cancel_cancelsUnfinishedSteps_onceOnly() {
    submit(step("a"), step("b", "a"), step("c"));
    succeed("c");
    fresh();
    Transition t =
        m.apply(
            new MissionInput.Control(
                new MissionControl(MissionControl.CANCEL, "m", "ws", "ann", 0)));
    assertThat(fresh())
        .containsExactly(STEP_CANCELLED + ":a", STEP_CANCELLED + ":b", MISSION_CANCELLED);
    assertThat(last(MissionEnded.class).reason()).isEqualTo("cancelled by ann");
    assertThat(t.requests()).isEmpty();
    assertThat(m.steps.get("c").status).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(
            m.apply(
                    new MissionInput.Control(
                        new MissionControl(MissionControl.CANCEL, "m", "ws", null, 0)))
                .dropped())
        .isTrue();
    assertThat(
            new MissionMemory(m.machine)
                .apply(
                    new MissionInput.Control(
                        new MissionControl(MissionControl.CANCEL, "x", "ws", null, 0)))
                .dropped())
        .isTrue();
    // A result of the cancelled attempt is dropped.
    assertThat(succeed("a").dropped()).isTrue();
  }

  private static MissionControl gate(String command, String stepId, int attempt) {
    return new MissionControl(
        command,
        "m",
        "ws",
        "budget-gate",
        0,
        stepId,
        attempt,
        "b",
        command.equals(MissionControl.BUDGET_HELD)
            ? "budget 'b' (hard, day) has 0 of 10 micro-credits left"
            : null);
  }

  @Test
  void control_budgetHeld_pausesWithTheTimeoutSuspended_andReleasedResumesWithAFullTimeout() {
    submit(new PlanStep("a", "agent-scout", "x", null, List.of(), null, 5, 2), step("b"));
    succeed("b");
    fresh();
    m.apply(new MissionInput.Control(gate(MissionControl.BUDGET_HELD, "a", 1)));
    assertThat(fresh()).containsExactly(MISSION_BUDGET_REACHED + ":a");
    assertThat(last(MissionBudgetReached.class).status()).isEqualTo("PAUSED");
    assertThat(last(MissionBudgetReached.class).budgetId()).isEqualTo("b");
    assertThat(last(MissionBudgetReached.class).stepId()).isEqualTo("a");
    assertThat(m.header.status).isEqualTo(MissionStatus.PAUSED);
    // Paused, the live row is still the start-of-run summary, and so is the rebuilt one.
    assertRebuiltRowIsTheLiveOne();
    // Held for a minute: far past its 5 s timeout, which does not run while it waits.
    m.advanceTo(60_000);
    assertThat(fresh()).isEmpty();
    // A second hold of the same attempt changes nothing.
    assertThat(
            m.apply(new MissionInput.Control(gate(MissionControl.BUDGET_HELD, "a", 1))).dropped())
        .isTrue();
    m.apply(new MissionInput.Control(gate(MissionControl.BUDGET_RELEASED, "a", 1)));
    assertThat(fresh()).containsExactly(MISSION_RESUMED);
    assertThat(m.header.status).isEqualTo(MissionStatus.RUNNING);
    assertRebuiltRowIsTheLiveOne();
    m.advanceTo(64_000);
    assertThat(fresh()).isEmpty();
    m.advanceTo(65_500);
    assertThat(fresh()).containsExactly(STEP_RETRYING + ":a");
    // A release of an attempt that is not held (or not running) is dropped.
    assertThat(
            m.apply(new MissionInput.Control(gate(MissionControl.BUDGET_RELEASED, "b", 1)))
                .dropped())
        .isTrue();
    assertThat(
            m.apply(new MissionInput.Control(gate(MissionControl.BUDGET_HELD, "a", 1))).dropped())
        .isTrue();
  }

  @Test
  void control_budgetHeld_twoSteps_resumesOnlyWhenBothGo_andAResultOfTheOtherStepStillCounts() {
    submit(step("a"), step("b"), step("c"));
    m.apply(new MissionInput.Control(gate(MissionControl.BUDGET_HELD, "a", 1)));
    m.apply(new MissionInput.Control(gate(MissionControl.BUDGET_HELD, "b", 1)));
    fresh();
    succeed("c");
    assertThat(fresh()).containsExactly(STEP_COMPLETED + ":c");
    m.apply(new MissionInput.Control(gate(MissionControl.BUDGET_RELEASED, "a", 1)));
    assertThat(fresh()).isEmpty();
    assertThat(m.header.status).isEqualTo(MissionStatus.PAUSED);
    m.apply(new MissionInput.Control(gate(MissionControl.BUDGET_RELEASED, "b", 1)));
    assertThat(fresh()).containsExactly(MISSION_RESUMED);
    succeed("a");
    succeed("b");
    assertThat(fresh())
        .containsExactly(STEP_COMPLETED + ":a", STEP_COMPLETED + ":b", MISSION_COMPLETED);
  }

  @Test
  void result_ofAHeldAttempt_standsForItsRelease_whichMayArriveLaterOnItsOwnTopic() {
    submit(step("a"), step("b", "a"));
    m.apply(new MissionInput.Control(gate(MissionControl.BUDGET_HELD, "a", 1)));
    fresh();
    succeed("a");
    assertThat(fresh())
        .containsExactly(
            MISSION_RESUMED, STEP_COMPLETED + ":a", STEP_READY + ":b", STEP_STARTED + ":b");
    assertThat(m.header.status).isEqualTo(MissionStatus.RUNNING);
    assertThat(
            m.apply(new MissionInput.Control(gate(MissionControl.BUDGET_RELEASED, "a", 1)))
                .dropped())
        .isTrue();
  }

  @Test
  void timer_budgetWait_endsAMissionHeldTooLong_asBudgetExceeded() {
    submit(
        new MissionConfig(
            List.of(),
            new Plan(List.of(step("a"), step("b", "a"))),
            null,
            null,
            null,
            null,
            null,
            30));
    fresh();
    m.apply(new MissionInput.Control(gate(MissionControl.BUDGET_HELD, "a", 1)));
    m.advanceTo(m.now + 29_000);
    assertThat(fresh()).containsExactly(MISSION_BUDGET_REACHED + ":a");
    m.advanceTo(m.now + 2_000);
    assertThat(fresh())
        .containsExactly(STEP_CANCELLED + ":a", STEP_CANCELLED + ":b", MISSION_BUDGET_EXCEEDED);
    assertThat(last(MissionEnded.class).status()).isEqualTo("BUDGET_EXCEEDED");
    assertThat(last(MissionEnded.class).reason()).contains("waited 30 s");
    assertThat(m.header.status.isTerminal()).isTrue();
    assertThat(m.summaries)
        .last()
        .satisfies(s -> assertThat(s.status()).isEqualTo(MissionStatus.BUDGET_EXCEEDED));
  }

  @Test
  void timer_attemptTimeout_retriesThenFails_andALateTimerDoesNothing() {
    submit(new PlanStep("slow", "agent-scout", "x", null, List.of(), null, 5, 2), step("quick"));
    succeed("quick");
    fresh();
    m.advanceTo(6_000);
    assertThat(fresh()).containsExactly(STEP_RETRYING + ":slow");
    assertThat(last(StepRetrying.class).reason()).isEqualTo("timed out after 5000 ms");
    m.advanceTo(7_000);
    assertThat(fresh()).containsExactly(STEP_STARTED + ":slow");
    m.advanceTo(12_000);
    assertThat(fresh()).containsExactly(STEP_FAILED + ":slow", MISSION_FAILED);
    // quick's timeout timer (at 61 s) fires for a finished mission: nothing.
    m.advanceTo(61_000);
    assertThat(fresh()).isEmpty();
  }

  @Test
  void timer_firingLateAfterARestore_givesTheNextAttemptAFullTimeoutFromNow() {
    submit(new PlanStep("slow", "agent-scout", "x", null, List.of(), null, 5, 2));
    fresh();
    // The job was down for ten minutes: the attempt's timeout (at 6 s) passed meanwhile, its timer
    // fires late.
    m.now = 600_000;
    m.advanceTo(602_000);
    assertThat(fresh()).containsExactly(STEP_RETRYING + ":slow", STEP_STARTED + ":slow");
    assertThat(m.request("slow").attempt()).isEqualTo(2);
    assertThat(m.request("slow").requestedAt()).isGreaterThanOrEqualTo(600_000);
    succeed("slow");
    assertThat(fresh()).containsExactly(STEP_COMPLETED + ":slow", MISSION_COMPLETED);
  }

  @Test
  void timer_deadline_timesTheMissionOut() {
    submit(config(null, null, 3, step("a"), step("b", "a")));
    fresh();
    m.advanceTo(4_000);
    assertThat(fresh())
        .containsExactly(STEP_CANCELLED + ":a", STEP_CANCELLED + ":b", MISSION_TIMED_OUT);
    assertThat(last(MissionEnded.class).reason()).isEqualTo("the mission's deadline of 3 s passed");
  }

  @Test
  void timer_retention_clearsAFinishedMission_notBefore() {
    assertThat(m.apply(new MissionInput.TimerFired(5))).isEqualTo(Transition.NOTHING);
    submit(step("a"));
    succeed("a");
    assertThat(m.apply(new MissionInput.TimerFired(2_000))).isEqualTo(Transition.NOTHING);
    Transition t = m.apply(new MissionInput.TimerFired(1_000 + OPTIONS.retention().toMillis()));
    assertThat(t.clear()).isTrue();
    assertThat(m.header).isNull();
  }

  @Test
  void sequential_runsOneAtATime_andARetryingStepKeepsItsTurn() {
    submit(config(Execution.SEQUENTIAL, null, null, step("b", "a"), step("a"), step("c")));
    assertThat(m.requests).extracting(StepRequest::stepId).containsExactly("a");
    fail("a", true);
    // c is ready too, but a (waiting to retry) keeps its turn.
    assertThat(m.requests).hasSize(1);
    m.advanceTo(2_000);
    assertThat(m.requests).extracting(StepRequest::stepId).containsExactly("a", "a");
    succeed("a");
    assertThat(m.requests.get(2).stepId()).isEqualTo("b");
    succeed("b");
    succeed("c");
    assertThat(lastEvent().type()).isEqualTo(MISSION_COMPLETED);
    List<String> started = new ArrayList<>();
    m.events.stream()
        .filter(e -> e instanceof StepStarted)
        .forEach(e -> started.add(((StepStarted) e).stepId()));
    assertThat(started).containsExactly("a", "a", "b", "c");
  }

  /** A fork from the first step it does not reuse (null when it reuses none). */
  private Transition submitFork(String model, Map<String, JsonNode> reused, PlanStep... steps) {
    String fromStep =
        Arrays.stream(steps)
            .map(PlanStep::id)
            .filter(id -> !reused.containsKey(id))
            .findFirst()
            .filter(id -> !reused.isEmpty())
            .orElse(null);
    return m.apply(
        new MissionInput.Submitted(
            new MissionSubmitted(
                "m",
                "ws",
                500,
                "the mission",
                config(null, null, null, steps),
                null,
                null,
                null,
                new Rerun("orig", model, fromStep, reused))));
  }

  private static JsonNode out(String text) {
    return Json.mapper().createObjectNode().put("text", text);
  }

  @Test
  void
      submittedFork_reusedStepsCompleteAtOnceAtNoCost_theRestRunOnTheForksModelWithTheReusedInputs() {
    Map<String, JsonNode> reused = new LinkedHashMap<>();
    reused.put("a", out("recorded a"));
    reused.put("b", out("recorded b"));
    // a → b → c, and d beside them: a and b reused, c and d run again.
    Transition t =
        submitFork("gemini-2.5-pro", reused, step("a"), step("b", "a"), step("c", "b"), step("d"));
    assertThat(fresh())
        .containsExactly(
            MISSION_ACCEPTED,
            PLAN_READY,
            STEP_COMPLETED + ":a",
            STEP_COMPLETED + ":b",
            STEP_READY + ":c",
            STEP_READY + ":d",
            STEP_STARTED + ":c",
            STEP_STARTED + ":d");
    // What the fork was asked for, on its first event: an Idempotency-Key's request is told by it.
    MissionAccepted accepted = (MissionAccepted) m.events.get(0);
    assertThat(accepted.rerunOf()).isEqualTo("orig");
    assertThat(accepted.rerunModel()).isEqualTo("gemini-2.5-pro");
    assertThat(accepted.rerunFromStep()).isEqualTo("c");
    // The start-of-run summary counts the reused steps: it is written after they complete.
    assertThat(m.summaries)
        .singleElement()
        .satisfies(s -> assertThat(s.stepsSucceeded()).isEqualTo(2));
    assertRebuiltRowIsTheLiveOne();
    List<StepCompleted> completed =
        m.events.stream()
            .filter(e -> e instanceof StepCompleted)
            .map(StepCompleted.class::cast)
            .toList();
    for (StepCompleted e : completed) {
      assertThat(e.reused()).isTrue();
      assertThat(e.costMicros()).isZero();
      assertThat(e.model()).isNull();
      assertThat(e.usage()).isNull();
      assertThat(e.attempt()).isEqualTo(1);
      assertThat(e.durationMs()).isZero();
    }
    assertThat(completed.get(1).output()).isEqualTo(out("recorded b"));
    // No request for a reused step; the ones that run carry the fork's model and the reused output
    // as input.
    assertThat(t.requests()).extracting(StepRequest::stepId).containsExactly("c", "d");
    assertThat(t.requests()).extracting(StepRequest::model).containsOnly("gemini-2.5-pro");
    assertThat(t.requests().get(0).dependencyOutputs()).containsEntry("b", out("recorded b"));
    assertThat(t.outputs()).containsOnlyKeys("a", "b");
    assertThat(t.definition().model()).isEqualTo("gemini-2.5-pro");
    assertThat(m.steps.get("a").status).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(m.steps.get("a").attempt).isZero();
    assertThat(m.header.unfinishedSteps).isEqualTo(2);

    // A retry of a rerun step still goes to the fork's model.
    fail("c", true);
    int before = m.requests.size();
    m.advanceTo(m.now + 1_000);
    assertThat(m.requests.subList(before, m.requests.size()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.stepId()).isEqualTo("c");
              assertThat(r.attempt()).isEqualTo(2);
              assertThat(r.model()).isEqualTo("gemini-2.5-pro");
            });
    succeed("c");
    Transition end = succeed("d");
    assertThat(lastEvent().type()).isEqualTo(MISSION_COMPLETED);
    assertThat(last(MissionEnded.class).costMicros()).isZero();
    assertThat(end.summaries().get(0).result().fieldNames()).toIterable().containsExactly("c", "d");
  }

  @Test
  void submittedFork_aReusedOutputWhoseDependencyRunsAgain_isIgnored_andTheStepRuns() {
    // b is offered for reuse but depends on a, which is not: b's recorded output rests on a's old
    // one.
    Transition t = submitFork(null, Map.of("b", out("recorded b")), step("a"), step("b", "a"));
    assertThat(fresh())
        .containsExactly(MISSION_ACCEPTED, PLAN_READY, STEP_READY + ":a", STEP_STARTED + ":a");
    assertThat(t.outputs()).isEmpty();
    assertThat(t.requests()).singleElement().satisfies(r -> assertThat(r.model()).isNull());
    succeed("a");
    assertThat(fresh())
        .containsExactly(STEP_COMPLETED + ":a", STEP_READY + ":b", STEP_STARTED + ":b");
  }

  @Test
  void submittedFork_withoutReuse_runsEveryStepOnItsModel_andEveryStepReused_completesAtOnce() {
    Transition t = submitFork("gemini-2.5-flash-lite", Map.of(), step("a"), step("b", "a"));
    assertThat(t.requests())
        .singleElement()
        .satisfies(r -> assertThat(r.model()).isEqualTo("gemini-2.5-flash-lite"));
    assertThat(((MissionAccepted) m.events.get(0)).rerunOf()).isEqualTo("orig");

    MissionMemory other = new MissionMemory(new MissionMachine(OPTIONS, RETRY));
    Transition all =
        other.apply(
            new MissionInput.Submitted(
                new MissionSubmitted(
                    "m2",
                    "ws",
                    500,
                    "the mission",
                    config(null, null, null, step("a"), step("b", "a")),
                    null,
                    null,
                    null,
                    new Rerun("orig", null, "c", Map.of("a", out("A"), "b", out("B"))))));
    assertThat(other.types(0))
        .containsExactly(
            MISSION_ACCEPTED,
            PLAN_READY,
            STEP_COMPLETED + ":a",
            STEP_COMPLETED + ":b",
            MISSION_COMPLETED);
    assertThat(all.requests()).isEmpty();
    assertThat(all.summaries().get(all.summaries().size() - 1).result().get("b"))
        .isEqualTo(out("B"));
  }
}
