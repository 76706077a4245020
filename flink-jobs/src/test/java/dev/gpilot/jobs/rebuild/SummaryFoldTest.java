package dev.gpilot.jobs.rebuild;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SummaryFold} on hand-made histories; {@code MissionMachinePropertyTest} checks it against the scheduler's own
 * summaries over random missions.
 */
class SummaryFoldTest {
  private static MissionEvent.Builder e(String type, long seq) {
    return MissionEvent.of(type, "m", "ws", seq, 1_000 + seq);
  }

  private static List<MissionEvent> history() {
    Plan plan = new Plan(List.of(new PlanStep("a", "agent-scout", "x", null, List.of(), null, null, null),
        new PlanStep("b", "seo-analyst", "y", null, List.of("a"), null, null, null)));
    return List.of(
        e("mission.accepted", 1).status("PLANNING").mission("launch", null).build(),
        e("plan.ready", 2).status("RUNNING").plan(plan).build(),
        e("step.started", 3).step("a", "agent-scout", 1).status("RUNNING").build(),
        e("step.retrying", 4).step("a", "agent-scout", 1).status("READY").reason("429").retryInMs(10)
            .cost("m1", new Usage(5, 1, 0, 0), 40).build(),
        e("step.started", 5).step("a", "agent-scout", 2).status("RUNNING").build(),
        e("step.delta", 6).step("a", "agent-scout", 2).text("hel").build(),
        e("step.completed", 7).step("a", "agent-scout", 2).status("SUCCEEDED").durationMs(3)
            .output(Json.mapper().createObjectNode().put("text", "A")).cost("m1", new Usage(5, 2, 0, 0), 60).build(),
        e("step.started", 8).step("b", "seo-analyst", 1).status("RUNNING").build(),
        e("step.completed", 9).step("b", "seo-analyst", 1).status("SUCCEEDED").durationMs(2)
            .output(Json.mapper().createObjectNode().put("text", "B")).cost("m2", new Usage(7, 3, 0, 0), 100).build(),
        e("mission.completed", 10).status("COMPLETED").durationMs(500).cost(null, null, 200).build());
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
    assertThat(s.agentCosts()).containsEntry("agent-scout", 100L).containsEntry("seo-analyst", 100L);
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
}
