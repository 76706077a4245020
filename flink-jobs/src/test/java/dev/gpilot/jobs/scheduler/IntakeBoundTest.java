package dev.gpilot.jobs.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class IntakeBoundTest {
  @Test
  void belowTheBound_admits_atTheBound_parks_andSlotsGoToParkedMissionsInArrivalOrder() {
    IntakeBound bound = new IntakeBound(2);
    bound.changed(false, true);
    assertThat(bound.admits()).isTrue();
    bound.changed(false, true);
    assertThat(bound.admits()).isFalse();
    bound.park("b");
    bound.park("c");
    assertThat(bound.nextToStart()).as("no slot yet").isNull();

    bound.changed(true, false);
    assertThat(bound.admits()).as("a slot, but missions wait before a new one").isFalse();
    assertThat(bound.nextToStart()).isEqualTo("b");
    bound.changed(false, true);
    assertThat(bound.nextToStart()).isNull();
    bound.changed(true, false);
    assertThat(bound.nextToStart()).isEqualTo("c");
    bound.changed(false, true);
    assertThat(bound.parked()).isZero();
  }

  @Test
  void aCancelledParkedMission_neverStarts() {
    IntakeBound bound = new IntakeBound(1);
    bound.changed(false, true);
    bound.park("b");
    bound.park("c");
    bound.unpark("b");
    bound.changed(true, false);

    assertThat(bound.nextToStart()).isEqualTo("c");
  }

  @Test
  void inputsThatDoNotChangeWhetherAMissionIsInFlight_leaveTheCountAlone() {
    IntakeBound bound = new IntakeBound(3);
    bound.changed(false, true);
    bound.changed(true, true);
    bound.changed(false, false);

    assertThat(bound.inFlight()).isEqualTo(1);
    assertThatThrownBy(
            () -> {
              bound.changed(true, false);
              bound.changed(true, false);
            })
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void restored_takesTheCountedMissions_andABoundBelowOneIsRefused() {
    IntakeBound bound = new IntakeBound(2);
    bound.restored(2, List.of("x", "y"));

    assertThat(bound.admits()).isFalse();
    assertThat(bound.parked()).isEqualTo(2);
    assertThatThrownBy(() -> new IntakeBound(0)).hasMessageContaining("at least 1");
  }
}
