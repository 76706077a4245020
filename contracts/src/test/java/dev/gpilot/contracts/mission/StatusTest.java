package dev.gpilot.contracts.mission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The end states of SPEC.md's mission and step machines: nothing leaves them. */
class StatusTest {
  @Test
  void aMission_endsCompletedFailedCancelledTimedOutOrOverBudget_andPausedIsNotAnEnd() {
    assertThat(Arrays.stream(MissionStatus.values()).filter(MissionStatus::isTerminal))
        .containsExactlyInAnyOrder(
            MissionStatus.COMPLETED,
            MissionStatus.FAILED,
            MissionStatus.CANCELLED,
            MissionStatus.TIMED_OUT,
            MissionStatus.BUDGET_EXCEEDED);
    assertThat(MissionStatus.PAUSED.isTerminal()).isFalse();
  }

  @Test
  void aStep_endsSucceededFailedSkippedOrCancelled() {
    assertThat(Arrays.stream(StepStatus.values()).filter(StepStatus::isTerminal))
        .containsExactlyInAnyOrder(
            StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.SKIPPED, StepStatus.CANCELLED);
  }
}
