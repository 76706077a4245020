package dev.gpilot.jobs.rebuild;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.MissionAccepted;
import dev.gpilot.contracts.events.MissionCompleted;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.PlanReady;
import dev.gpilot.contracts.events.StepCompleted;
import dev.gpilot.contracts.events.StepRetrying;
import dev.gpilot.contracts.events.StepStarted;
import dev.gpilot.contracts.events.StepTextDelta;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.testing.TestEvents;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SummaryFold} on hand-made histories; {@code MissionMachinePropertyTest} checks it against
 * the scheduler's own summaries over random missions.
 */
class SummaryFoldTest {
  private static final String M = "m";
  private static final String W = "ws";

  private static TestEvents.Builder e(String type, long seq) {
    return TestEvents.of(type, M, W, seq, 1_000 + seq);
  }

  private static List<MissionEvent> history() {
    return history(1_000);
  }

  /** A two-step mission whose event of seq n was written at {@code at + n}. */
  private static List<MissionEvent> history(long at) {
    Plan plan =
        new Plan(
            List.of(
                new PlanStep("a", "agent-scout", "x", null, List.of(), null, null, null),
                new PlanStep("b", "seo-analyst", "y", null, List.of("a"), null, null, null)));
    return List.of(
        new MissionAccepted(M, W, 1, at + 1, "PLANNING", "launch", null, null, null, null),
        new PlanReady(M, W, 2, at + 2, "RUNNING", plan),
        new StepStarted(M, W, 3, at + 3, "RUNNING", "a", "agent-scout", 1),
        new StepRetrying(
            M,
            W,
            4,
            at + 4,
            "READY",
            "a",
            "agent-scout",
            1,
            "429",
            "m1",
            new Usage(5, 1, 0, 0),
            40L,
            10L),
        new StepStarted(M, W, 5, at + 5, "RUNNING", "a", "agent-scout", 2),
        new StepTextDelta(M, W, 6, at + 6, "a", "agent-scout", 2, "hel"),
        new StepCompleted(
            M,
            W,
            7,
            at + 7,
            "SUCCEEDED",
            "a",
            "agent-scout",
            2,
            Json.mapper().createObjectNode().put("text", "A"),
            3L,
            "m1",
            new Usage(5, 2, 0, 0),
            60L,
            null),
        new StepStarted(M, W, 8, at + 8, "RUNNING", "b", "seo-analyst", 1),
        new StepCompleted(
            M,
            W,
            9,
            at + 9,
            "SUCCEEDED",
            "b",
            "seo-analyst",
            1,
            Json.mapper().createObjectNode().put("text", "B"),
            2L,
            "m2",
            new Usage(7, 3, 0, 0),
            100L,
            null),
        new MissionCompleted(M, W, 10, at + 10, "COMPLETED", null, 500L, 200L));
  }

  @Test
  void aFinishedMission_foldsIntoItsSummary_countingEveryBilledAttempt() {
    MissionSummary s = SummaryFold.fold(history()).orElseThrow();
    assertThat(s.status()).isEqualTo(MissionStatus.COMPLETED);
    assertThat(s.mission()).isEqualTo("launch");
    assertThat(s.submittedAt()).isEqualTo(1_010 - 500);
    assertThat(s.startedAt()).isEqualTo(1_002);
    assertThat(s.finishedAt()).isEqualTo(1_010);
    assertThat(s.stepsTotal()).isEqualTo(2);
    assertThat(s.stepsSucceeded()).isEqualTo(2);
    assertThat(s.costMicros()).isEqualTo(200);
    assertThat(s.agentCosts())
        .containsEntry("agent-scout", 100L)
        .containsEntry("seo-analyst", 100L);
    assertThat(s.result().fieldNames()).toIterable().containsExactly("b");
    assertThat(s.version()).isEqualTo(10);
  }

  @Test
  void eventsInAnyOrderWithDuplicates_foldAlike_andAnUnfinishedMissionHasNoSummary() {
    List<MissionEvent> shuffled = new ArrayList<>(history());
    shuffled.addAll(history().subList(3, 7));
    Collections.shuffle(shuffled, new Random(7));
    assertThat(SummaryFold.fold(shuffled)).isEqualTo(SummaryFold.fold(history()));
    assertThat(SummaryFold.fold(history().subList(0, 9))).isEmpty();
    assertThat(SummaryFold.fold(List.of())).isEmpty();
  }

  @Test
  void eventsWrittenAgainAfterARestore_foldAsTheLaterRun_theCopiesTheLiveTablesKeep() {
    // Killed after writing seq 5-10, restored from a checkpoint taken after seq 4: the job wrote
    // seq 5-10 again, with the times of the run it went on with (the same results, reused).
    List<MissionEvent> written = new ArrayList<>(history(1_000));
    written.addAll(history(5_000).subList(4, 10));
    List<MissionEvent> kept = new ArrayList<>(history(1_000).subList(0, 4));
    kept.addAll(history(5_000).subList(4, 10));
    for (int seed = 0; seed < 5; seed++) {
      Collections.shuffle(written, new Random(seed));
      assertThat(SummaryFold.fold(written)).isEqualTo(SummaryFold.fold(kept));
    }
    MissionSummary s = SummaryFold.fold(written).orElseThrow();
    assertThat(s.startedAt()).isEqualTo(1_002);
    assertThat(s.finishedAt()).isEqualTo(5_010);
    assertThat(s.submittedAt()).isEqualTo(5_010 - 500);
  }

  @Test
  void anUnfinishedMission_foldsIntoTheSummaryWrittenWhenItsPlanWasAdopted_whateverHappenedSince() {
    // Running, its first step retried and completed, the second started: the live row is still the
    // start of the run.
    List<MissionEvent> running = history().subList(0, 9);
    MissionSummary s = SummaryFold.fold(running, 900L).orElseThrow();

    assertThat(s)
        .isEqualTo(
            new MissionSummary(
                "ws",
                "m",
                MissionStatus.RUNNING,
                "launch",
                900,
                1_002,
                0,
                2,
                0,
                0,
                ((PlanReady) history().get(1)).plan(),
                null,
                null,
                0,
                null,
                2));
    List<MissionEvent> shuffled = new ArrayList<>(running);
    shuffled.addAll(running.subList(2, 5));
    Collections.shuffle(shuffled, new Random(3));
    assertThat(SummaryFold.fold(shuffled, 900L)).contains(s);
    // No summary before the plan, and none without the submission's time (no event carries it).
    assertThat(SummaryFold.fold(history().subList(0, 1), 900L)).isEmpty();
    assertThat(SummaryFold.fold(running, null)).isEmpty();
    // Once it ended, the end's summary, whatever the submission's time says.
    assertThat(SummaryFold.fold(history(), 900L)).isEqualTo(SummaryFold.fold(history()));
  }

  @Test
  void anUnfinishedFork_countsTheStepsItReusedAtTheStart_andAnOverseersPlanningStepAndItsCost() {
    Plan plan =
        new Plan(
            List.of(
                new PlanStep("a", "agent-scout", "x", null, List.of(), null, null, null),
                new PlanStep("b", "seo-analyst", "y", null, List.of("a"), null, null, null)));
    List<MissionEvent> fork =
        List.of(
            e("mission.accepted", 1)
                .status("PLANNING")
                .mission("launch", null)
                .rerun("orig", null, "b")
                .build(),
            e("plan.ready", 2).status("RUNNING").plan(plan).build(),
            e("step.completed", 3)
                .step("a", "agent-scout", 1)
                .status("SUCCEEDED")
                .durationMs(0)
                .output(Json.mapper().createObjectNode().put("text", "A"))
                .cost(null, null, 0)
                .reused()
                .build(),
            e("step.ready", 4).step("b", "seo-analyst", 1).status("READY").build(),
            e("step.started", 5).step("b", "seo-analyst", 1).status("RUNNING").build());
    MissionSummary forked = SummaryFold.fold(fork, 700L).orElseThrow();
    assertThat(forked.version()).isEqualTo(3);
    assertThat(forked.stepsSucceeded()).isEqualTo(1);
    assertThat(forked.costMicros()).isZero();

    List<MissionEvent> planned =
        List.of(
            e("mission.accepted", 1).status("PLANNING").mission("launch", null).build(),
            e("step.started", 2).step("_plan", "mission-overseer", 1).status("RUNNING").build(),
            e("step.completed", 3)
                .step("_plan", "mission-overseer", 1)
                .status("SUCCEEDED")
                .durationMs(4)
                .output(Json.mapper().valueToTree(plan))
                .cost("m0", new Usage(9, 9, 0, 0), 25)
                .build(),
            e("plan.ready", 4).status("RUNNING").plan(plan).build(),
            e("step.started", 5).step("a", "agent-scout", 1).status("RUNNING").build(),
            e("step.completed", 6)
                .step("a", "agent-scout", 1)
                .status("SUCCEEDED")
                .durationMs(1)
                .output(Json.mapper().createObjectNode().put("text", "A"))
                .cost("m1", new Usage(1, 1, 0, 0), 5)
                .build());
    MissionSummary overseen = SummaryFold.fold(planned, 700L).orElseThrow();
    assertThat(overseen.version()).isEqualTo(4);
    assertThat(overseen.stepsTotal()).isEqualTo(3);
    assertThat(overseen.stepsSucceeded()).isEqualTo(1);
    assertThat(overseen.costMicros()).isEqualTo(25);
    assertThat(overseen.agentCosts()).containsExactly(Map.entry("mission-overseer", 25L));
    assertThat(overseen.startedAt()).isEqualTo(1_004);
  }
}
