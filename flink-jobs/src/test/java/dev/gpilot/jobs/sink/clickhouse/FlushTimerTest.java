package dev.gpilot.jobs.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlushTimerTest {
  private final List<Long> timers = new ArrayList<>();
  private final FlushTimer flush = new FlushTimer(5_000, timers::add);

  @Test
  void aBatchIsDueItsIntervalAfterItsFirstRow_laterRowsSetNoTimer() {
    flush.rowAdded(1_000);
    flush.rowAdded(2_000);
    flush.rowAdded(5_999);

    assertThat(timers).containsExactly(6_000L);
    assertThat(flush.fired(6_000)).isTrue();
  }

  @Test
  void afterACheckpointFlush_theTimerWaitsForTheNextBatchsOwnDeadline() {
    flush.rowAdded(1_000);
    flush.sent(); // a checkpoint at 1,500
    flush.rowAdded(1_600);

    assertThat(timers).containsExactly(6_000L); // one timer pending, none added
    assertThat(flush.fired(6_000)).isFalse(); // the batch from 1,600 is not due yet
    assertThat(timers).containsExactly(6_000L, 6_600L);
    assertThat(flush.fired(6_600)).isTrue();
  }

  @Test
  void aTimerForASentBatch_withNothingAfterIt_sendsNothing_andTheNextRowSetsATimerAgain() {
    flush.rowAdded(1_000);
    flush.sent();

    assertThat(flush.fired(6_000)).isFalse();
    assertThat(timers).containsExactly(6_000L);

    flush.rowAdded(7_000);
    assertThat(timers).containsExactly(6_000L, 12_000L);
    assertThat(flush.fired(12_000)).isTrue();
  }

  @Test
  void aLateTimer_sendsAtOnce() {
    flush.rowAdded(1_000);

    assertThat(flush.fired(9_000)).isTrue();
    flush.sent();
    flush.rowAdded(9_001);
    assertThat(timers).containsExactly(6_000L, 14_001L);
  }
}
