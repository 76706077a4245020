package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.StepCompleted;
import dev.gpilot.contracts.events.StepFailed;
import dev.gpilot.contracts.events.StepRetrying;
import org.junit.jupiter.api.Test;

/** The one projection of a step's spend, as the mission's JSON and its streams show each step. */
class StepSpendTest {
  private static StepRetrying retrying(int attempt, String model, Usage usage, Long costMicros) {
    return new StepRetrying(
        "m1",
        "w1",
        attempt,
        attempt,
        "READY",
        "s1",
        "agent-scout",
        attempt,
        "429",
        model,
        usage,
        costMicros,
        10L);
  }

  private static StepFailed failed(int attempt, String model, Usage usage, Long costMicros) {
    return new StepFailed(
        "m1",
        "w1",
        attempt,
        attempt,
        "FAILED",
        "s1",
        "agent-scout",
        attempt,
        "boom",
        5L,
        model,
        usage,
        costMicros);
  }

  private static StepCompleted completed(
      int attempt, String model, Usage usage, Long costMicros, Boolean reused) {
    return new StepCompleted(
        "m1",
        "w1",
        attempt,
        attempt,
        "SUCCEEDED",
        "s1",
        "agent-scout",
        attempt,
        null,
        5L,
        model,
        usage,
        costMicros,
        reused);
  }

  @Test
  void attempts_addUpExactly_aRetrysChargeCounts_andTheModelIsTheLastAttempts() {
    StepSpend spend = new StepSpend();
    spend.add(retrying(1, "gem-flash", new Usage(10, 5, 1, 2), 1_000_001L));
    assertThat(spend.costMicros()).as("a retry's charge counts at once").isEqualTo(1_000_001L);
    assertThat(spend.shownCostMicros(false)).isEqualTo(1_000_001L);

    spend.add(retrying(2, null, null, null)); // failed before any model call: nothing billed
    spend.add(completed(3, "gem-pro", new Usage(1, 2, 3, 0), 2_000_002L, null));

    assertThat(spend.model()).isEqualTo("gem-pro");
    assertThat(spend.usage()).isEqualTo(new Usage(11, 7, 4, 2));
    assertThat(spend.costMicros()).isEqualTo(3_000_003L);
    assertThat(spend.calledModel()).isTrue();
    assertThat(spend.shownCostMicros(false)).isEqualTo(3_000_003L);
  }

  @Test
  void anAttemptThatNamesNoModel_keepsTheLastOneThatDid() {
    StepSpend spend = new StepSpend();
    spend.add(retrying(1, "gem-flash", new Usage(1, 1, 0, 0), 3L));
    spend.add(failed(2, null, null, 0L));
    assertThat(spend.model()).isEqualTo("gem-flash");
    assertThat(spend.costMicros()).isEqualTo(3L);
    assertThat(spend.usage()).isEqualTo(new Usage(1, 1, 0, 0));
  }

  @Test
  void aStepWithoutUsage_hasNoUsage_andShowsNoCostUnlessItCostSomethingOrWasReused() {
    StepSpend none = new StepSpend();
    assertThat(none.usage()).isNull();
    assertThat(none.model()).isNull();
    assertThat(none.costMicros()).isZero();
    assertThat(none.shownCostMicros(false)).isNull();

    // An agent that calls no model: its event says costMicros 0.
    StepSpend noModel = new StepSpend();
    noModel.add(completed(1, null, null, 0L, null));
    assertThat(noModel.usage()).isNull();
    assertThat(noModel.calledModel()).isFalse();
    assertThat(noModel.shownCostMicros(false)).isNull();

    // A fork's reused step: no model call, cost 0, shown as 0.
    StepSpend reused = new StepSpend();
    reused.add(completed(1, null, null, 0L, true));
    assertThat(reused.shownCostMicros(true)).isZero();

    // A scripted cost without tokens (a simulated agent) is still a cost.
    StepSpend scripted = new StepSpend();
    scripted.add(completed(1, null, null, 7L, null));
    assertThat(scripted.usage()).isNull();
    assertThat(scripted.shownCostMicros(false)).isEqualTo(7L);
  }

  @Test
  void theSum_isExact_andNeverWrapsAround() {
    StepSpend spend = new StepSpend();
    spend.add(retrying(1, "gem-pro", null, Long.MAX_VALUE - 1));
    spend.add(retrying(2, "gem-pro", null, 1L));
    assertThat(spend.costMicros()).isEqualTo(Long.MAX_VALUE);
    assertThatThrownBy(() -> spend.add(completed(3, "gem-pro", null, 1L, null)))
        .isInstanceOf(ArithmeticException.class);
  }
}
