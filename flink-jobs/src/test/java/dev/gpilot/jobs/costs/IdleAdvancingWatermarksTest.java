package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.step.StepResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.util.clock.ManualClock;
import org.junit.jupiter.api.Test;

class IdleAdvancingWatermarksTest {
  static final AtomicLong WALL = new AtomicLong();

  static final class Out implements WatermarkOutput {
    final List<Long> marks = new ArrayList<>();

    @Override
    public void emitWatermark(Watermark watermark) {
      marks.add(watermark.getTimestamp());
    }

    @Override
    public void markIdle() {}

    @Override
    public void markActive() {}
  }

  static StepResult finishedAt(long ts) {
    return new StepResult(
        "m", "w", "s", 1, "a", true, null, null, ts, ts, null, Usage.ZERO, 0, null, false);
  }

  @Test
  void watermark_followsRecords_thenTheWallClockOnceThePartitionIsIdle() {
    ManualClock activity = new ManualClock();
    WALL.set(1_000_000);
    var generator =
        new IdleAdvancingWatermarks.Generator<StepResult>(5_000, 10_000, WALL::get, activity);
    Out out = new Out();

    generator.onEvent(finishedAt(1_000_000), 1_000_000, out);
    generator.onPeriodicEmit(out);
    assertThat(out.marks).containsExactly(1_000_000L - 5_001);

    // 9 s without records: still bounded by the newest record.
    activity.advanceTime(java.time.Duration.ofSeconds(9));
    WALL.addAndGet(9_000);
    generator.onPeriodicEmit(out);
    assertThat(out.marks).hasSize(1);

    // 10 s idle: the watermark follows the wall clock, so the minute of the last record can close.
    activity.advanceTime(java.time.Duration.ofSeconds(1));
    WALL.addAndGet(61_000);
    generator.onPeriodicEmit(out);
    assertThat(out.marks).last().isEqualTo(1_070_000L - 5_001);

    // A new record older than the watermark does not move it back.
    generator.onEvent(finishedAt(1_000_500), 1_000_500, out);
    generator.onPeriodicEmit(out);
    assertThat(out.marks).last().isEqualTo(1_070_000L - 5_001);
  }

  @Test
  void backpressuredPartition_doesNotLookIdle() {
    ManualClock activity = new ManualClock();
    WALL.set(2_000_000);
    var generator =
        new IdleAdvancingWatermarks.Generator<StepResult>(5_000, 10_000, WALL::get, activity);
    Out out = new Out();
    generator.onEvent(finishedAt(2_000_000), 2_000_000, out);
    generator.onPeriodicEmit(out);
    // The wall clock runs on, but the activity clock is paused while the source is backpressured.
    WALL.addAndGet(120_000);
    generator.onPeriodicEmit(out);
    assertThat(out.marks).containsExactly(2_000_000L - 5_001);
  }

  @Test
  void partitionCatchingUpOnABacklog_pausingBetweenFetches_doesNotJumpToTheWallClock() {
    ManualClock activity = new ManualClock();
    WALL.set(3_000_000);
    var generator =
        new IdleAdvancingWatermarks.Generator<StepResult>(5_000, 10_000, WALL::get, activity);
    Out out = new Out();
    // A record that finished 5 minutes ago: the partition is reading a backlog.
    generator.onEvent(finishedAt(2_700_000), 2_700_000, out);
    generator.onPeriodicEmit(out);

    // A 10 s pause between fetches is not idleness: the rest of the backlog must not become late.
    activity.advanceTime(java.time.Duration.ofSeconds(10));
    WALL.addAndGet(10_000);
    generator.onPeriodicEmit(out);
    assertThat(out.marks).containsExactly(2_700_000L - 5_001);

    // Six idle timeouts without a record: the backlog is drained, the watermark follows the wall
    // clock.
    activity.advanceTime(java.time.Duration.ofSeconds(50));
    WALL.addAndGet(50_000);
    generator.onPeriodicEmit(out);
    assertThat(out.marks).last().isEqualTo(3_060_000L - 5_001);
  }

  @Test
  void aFinishTimeNoCostRecordCanHave_movesNoWatermark() {
    var assigner =
        IdleAdvancingWatermarks.strategy(
                java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(10))
            .createTimestampAssigner(null);
    assertThat(assigner.extractTimestamp(finishedAt(4_000_000), 1L)).isEqualTo(4_000_000L);
    long invalid = assigner.extractTimestamp(finishedAt(CostRecord.MAX_EPOCH_MS + 1), 1L);
    assertThat(assigner.extractTimestamp(finishedAt(-1), 1L))
        .isEqualTo(invalid)
        .isEqualTo(Long.MIN_VALUE);

    ManualClock activity = new ManualClock();
    WALL.set(4_000_000);
    var generator =
        new IdleAdvancingWatermarks.Generator<StepResult>(5_000, 10_000, WALL::get, activity);
    Out out = new Out();
    generator.onEvent(finishedAt(CostRecord.MAX_EPOCH_MS + 1), invalid, out);
    generator.onPeriodicEmit(out);
    assertThat(out.marks).isEmpty();
    generator.onEvent(finishedAt(4_000_000), 4_000_000, out);
    generator.onEvent(finishedAt(CostRecord.MAX_EPOCH_MS + 1), invalid, out);
    generator.onPeriodicEmit(out);
    assertThat(out.marks).containsExactly(4_000_000L - 5_001);
  }
}
