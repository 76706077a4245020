package dev.gpilot.contracts.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.mission.MissionStatus;
import org.junit.jupiter.api.Test;

/** A final event's status as every reader takes it. */
class MissionEndedTest {
  @Test
  void theGivenStatus_stands_andWithoutAKnownFinalOne_theTypeSaysIt() {
    assertThat(new MissionFailed("m", "w", 9, 1, "FAILED", "boom", 5L, 0L).finalStatus())
        .isEqualTo(MissionStatus.FAILED);
    assertThat(new MissionCompleted("m", "w", 9, 1, null, null, 5L, 0L).finalStatus())
        .isEqualTo(MissionStatus.COMPLETED);
    assertThat(new MissionCancelled("m", "w", 9, 1, "WITHDRAWN", null, 5L, 0L).finalStatus())
        .isEqualTo(MissionStatus.CANCELLED); // a status this reader does not know
    assertThat(new MissionTimedOut("m", "w", 9, 1, "RUNNING", null, 5L, 0L).finalStatus())
        .isEqualTo(MissionStatus.TIMED_OUT); // not a final status
    assertThat(new MissionBudgetExceeded("m", "w", 9, 1, null, null, 5L, 0L).finalStatus())
        .isEqualTo(MissionStatus.BUDGET_EXCEEDED);
    assertThat(new MissionFailed("m", "w", 9, 1, null, null, 5L, 0L).finalStatus())
        .isEqualTo(MissionStatus.FAILED);
  }
}
