package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.StepEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.Execution;
import dev.gpilot.contracts.mission.FailurePolicy;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.plan.KnownAgents;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.ingest.SchedulerInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;

/**
 * The missions of the scheduler-state fixtures: the same inputs drive the scheduler into a known
 * state, which is then snapshotted. {@code
 * src/test/resources/scheduler/v1-json-mission-state.snapshot} was written with {@link #main} by
 * the scheduler that kept each mission as one JSON {@code ValueState} ("mission") — before the
 * state was split — and must not be rewritten: it is what a checkpoint of that version holds, and
 * {@code MissionStateMigrationTest} restores it into the current scheduler.
 *
 * <p>At processing time 1,000 every mission is left as {@link MissionStateMigrationTest} expects:
 *
 * <ul>
 *   <li>{@code chain}: s1 → s2 → s3 (explicit agents); s1 succeeded, s2 running (attempt 1); last
 *       seq 7.
 *   <li>{@code retry}: one step {@code a}; attempt 1 failed retriably, waiting to retry (≤ 1,250
 *       ms); last seq 5.
 *   <li>{@code diamond}: scout → (seo, write) → publish if {@code seoScore > 80}, verify; scout and
 *       seo (score 91) succeeded, write running; last seq 10.
 *   <li>{@code overseer}: the Mission Overseer's planning step running; last seq 3.
 *   <li>{@code streaming}: one step {@code a} running, 2 deltas streamed; last seq 6.
 *   <li>{@code deadline}: sequential a, b with a 30 s deadline; a running; last seq 5.
 *   <li>{@code done}: one step, completed; last seq 6 (its retention timer is in the snapshot).
 * </ul>
 */
final class SchedulerStateFixture {
  static final SchedulerOptions OPTIONS =
      new SchedulerOptions(
          KnownAgents.FLEET,
          3,
          Duration.ofSeconds(60),
          Duration.ofSeconds(1),
          Duration.ofSeconds(30),
          Duration.ofHours(1),
          false);
  static final String V1_RESOURCE = "scheduler/v1-json-mission-state.snapshot";

  static PlanStep step(String id, String agent, String... deps) {
    return new PlanStep(id, agent, "do " + id, null, List.of(deps), null, null, null);
  }

  static MissionConfig plan(Execution execution, Integer deadline, PlanStep... steps) {
    return new MissionConfig(
        List.of(),
        new Plan(List.of(steps)),
        execution,
        null,
        deadline,
        FailurePolicy.FAIL_FAST,
        null);
  }

  static SchedulerInput submit(String id, MissionConfig config) {
    return SchedulerInput.of(
        new MissionSubmitted(id, "ws-1", 500, "fixture mission " + id, config, null, null, null));
  }

  /**
   * Drives a fresh scheduler (in {@code harness}, opened, at processing time 1,000) into the
   * fixture's state.
   */
  static void drive(SchedulerHarness harness) throws Exception {
    harness.processElement(
        submit(
            "chain",
            MissionConfig.ofAgents(List.of("agent-scout", "seo-analyst", "independent-verifier"))),
        0);
    answer(harness, "chain", "s1", Json.mapper().createObjectNode().put("text", "s1 done"), null);

    harness.processElement(submit("retry", plan(null, null, step("a", "agent-scout"))), 0);
    answer(harness, "retry", "a", null, "429 rate limited");

    harness.processElement(
        submit(
            "diamond",
            plan(
                null,
                null,
                step("scout", "agent-scout"),
                step("seo", "seo-analyst", "scout"),
                step("write", "content-orchestrator", "scout"),
                new PlanStep(
                    "publish",
                    "content-orchestrator",
                    "do publish",
                    null,
                    List.of("seo", "write"),
                    "steps.seo.output.seoScore > 80",
                    null,
                    null),
                step("verify", "independent-verifier", "seo", "write"))),
        0);
    answer(
        harness,
        "diamond",
        "scout",
        Json.mapper().createObjectNode().put("text", "audience"),
        null);
    answer(harness, "diamond", "seo", Json.mapper().createObjectNode().put("seoScore", 91), null);

    harness.processElement(
        submit(
            "overseer",
            new MissionConfig(
                List.of("agent-scout", "seo-analyst"), null, null, null, null, null, "overseer")),
        0);

    harness.processElement(
        submit("streaming", plan(null, null, step("a", "content-orchestrator"))), 0);
    harness.processElement(
        SchedulerInput.of(new StepDelta("streaming", "ws-1", "a", 1, 0, "Hello ", 1_000)), 0);
    harness.processElement(
        SchedulerInput.of(new StepDelta("streaming", "ws-1", "a", 1, 1, "world", 1_000)), 0);

    harness.processElement(
        submit(
            "deadline",
            plan(Execution.SEQUENTIAL, 30, step("a", "agent-scout"), step("b", "agent-scout"))),
        0);

    harness.processElement(submit("done", plan(null, null, step("a", "agent-scout"))), 0);
    answer(harness, "done", "a", Json.mapper().createObjectNode().put("text", "finished"), null);
  }

  /**
   * Answers the newest request of a step: with {@code output}, or a retriable failure {@code
   * error}.
   */
  static void answer(
      SchedulerHarness harness, String missionId, String stepId, JsonNode output, String error)
      throws Exception {
    StepRequest r =
        harness.getSideOutput(MissionScheduler.STEP_REQUESTS).stream()
            .map(StreamRecord::getValue)
            .filter(q -> q.missionId().equals(missionId) && q.stepId().equals(stepId))
            .reduce((a, b) -> b)
            .orElseThrow();
    long now = harness.getProcessingTime();
    StepResult result =
        error == null
            ? StepResult.succeeded(
                missionId, "ws-1", stepId, r.attempt(), r.agent(), output, now, now)
            : StepResult.failed(
                missionId, "ws-1", stepId, r.attempt(), r.agent(), error, now, now, true);
    harness.processElement(SchedulerInput.of(result), 0);
  }

  static SchedulerHarness harness() throws Exception {
    return new SchedulerHarness(new MissionScheduler(OPTIONS));
  }

  /**
   * Writes the fixture: {@code SchedulerStateFixture <file>}. Only ever run by the version it
   * describes.
   */
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    Files.createDirectories(file.getParent());
    try (var harness = harness()) {
      harness.open();
      harness.setProcessingTime(1_000);
      drive(harness);
      OperatorSubtaskState snapshot = harness.snapshot(1L, 1_000L);
      OperatorSnapshotUtil.writeStateHandle(snapshot, file.toString());
      for (Object o : harness.getOutput()) {
        if (o instanceof StreamRecord<?> r && r.getValue() instanceof MissionEvent e) {
          System.out.println(
              e.missionId()
                  + " "
                  + e.seq()
                  + " "
                  + e.type()
                  + " "
                  + (e instanceof StepEvent s ? s.stepId() : null));
        }
      }
    }
  }

  private SchedulerStateFixture() {}
}
