package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.MissionCompleted;
import dev.gpilot.contracts.events.StepCompleted;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one projection of a mission's spend, as the mission's JSON and its streams show it. */
class MissionSpendTest {
  private static StepCompleted completed(
      long seq, String agent, String model, Usage usage, Long costMicros) {
    return new StepCompleted(
        "m1",
        "w1",
        seq,
        seq,
        "SUCCEEDED",
        "s" + seq,
        agent,
        1,
        null,
        5L,
        model,
        usage,
        costMicros,
        null);
  }

  @Test
  void attempts_addUpExactly_perAgent_zeroIncluded_andAnUnnamedAgentIsUnknown() {
    MissionSpend spend = new MissionSpend();
    spend.add(completed(1, "agent-scout", "gem-flash", new Usage(10, 5, 0, 0), 1_000_001L));
    spend.add(completed(2, "seo-analyst", "gem-pro", new Usage(1, 2, 3, 0), 2_000_002L));
    spend.add(completed(3, "agent-scout", "gem-flash", null, 7L));
    spend.add(completed(4, "verifier", null, null, null)); // no model called: counts 0
    spend.add(completed(5, null, null, null, 1L));

    assertThat(spend.attemptsMicros()).isEqualTo(3_000_011L);
    assertThat(spend.totalMicros()).isEqualTo(3_000_011L);
    assertThat(spend.agentCosts())
        .containsExactly(
            Map.entry("agent-scout", 1_000_008L),
            Map.entry("seo-analyst", 2_000_002L),
            Map.entry("unknown", 1L),
            Map.entry("verifier", 0L));
    assertThat(spend.agentCosts().values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(spend.attemptsMicros());
    assertThat(spend.usage()).isEqualTo(new Usage(11, 7, 3, 0));
    assertThat(spend.models()).containsExactly("gem-flash", "gem-pro");
  }

  @Test
  void theFinalEventsTotal_isTheMissionsCost_whileTheAttemptsKeepTheirSum() {
    MissionSpend spend = new MissionSpend();
    spend.add(completed(1, "agent-scout", "gem-flash", null, 100L));
    spend.ended(new MissionCompleted("m1", "w1", 2, 2, "COMPLETED", null, 9L, null));
    assertThat(spend.totalMicros()).isEqualTo(100L); // no total on it: the sum stands

    // The job also counted an attempt whose event this reader never saw.
    spend.ended(new MissionCompleted("m1", "w1", 2, 2, "COMPLETED", null, 9L, 250L));
    assertThat(spend.totalMicros()).isEqualTo(250L);
    assertThat(spend.attemptsMicros()).isEqualTo(100L);
  }
}
