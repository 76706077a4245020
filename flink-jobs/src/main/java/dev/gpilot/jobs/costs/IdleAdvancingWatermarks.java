package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.step.StepResult;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.util.clock.RelativeClock;
import org.apache.flink.util.function.SerializableSupplier;

/**
 * Event-time watermarks for step results, and so for their cost records (event time = the attempt's
 * finish time), that keep moving when traffic stops.
 *
 * <p>While records arrive, the watermark is the newest finish time seen minus the bounded
 * out-of-orderness (Flink's usual bounded generator). Once a partition has had no record for the
 * idle timeout, its watermark follows the wall clock instead, {@code now - outOfOrderness}: finish
 * times are taken from the same clock when the attempt ends, so a record that arrives later than
 * that is late, and lands as a correction (allowed lateness) or as its own rollup row. Flink's own
 * idleness ({@code withIdleness}) would instead stop counting the partition, and when every
 * partition is idle the windows never fire: a quiet system would never show its last minute.
 *
 * <p>"No record for the idle timeout" is measured on Flink's input activity clock, which stops
 * while the source is backpressured, so a slow sink (ClickHouse down) does not make a busy
 * partition look idle.
 *
 * <p>Only a partition that was live goes by the wall clock after the idle timeout: its newest
 * record arrived at most {@link #CATCH_UP_LAG_MS} after it finished. A partition that is catching
 * up on a backlog (a restart, a slow start) may pause between fetches without being idle, and
 * jumping to the wall clock there would make the rest of the backlog late; it follows the wall
 * clock only after {@link #DRAINED_FACTOR} idle timeouts without records.
 */
public final class IdleAdvancingWatermarks {
  /**
   * Records that arrive later than this after they finished are a backlog being read, not live
   * traffic.
   */
  static final long CATCH_UP_LAG_MS = 60_000;

  /**
   * A partition reading a backlog follows the wall clock after this many idle timeouts without
   * records.
   */
  static final int DRAINED_FACTOR = 6;

  private IdleAdvancingWatermarks() {}

  /**
   * The strategy for the step-results source: a result's timestamp is its finish time. A finish
   * time that no cost record can have (outside 0 … {@link CostRecord#MAX_EPOCH_MS}) moves no
   * watermark; the pipeline skips that result as invalid.
   */
  public static WatermarkStrategy<StepResult> strategy(
      Duration outOfOrderness, Duration idleTimeout) {
    return strategy(outOfOrderness, idleTimeout, System::currentTimeMillis);
  }

  static WatermarkStrategy<StepResult> strategy(
      Duration outOfOrderness, Duration idleTimeout, SerializableSupplier<Long> wallClock) {
    long bound = outOfOrderness.toMillis();
    long idle = idleTimeout.toMillis();
    WatermarkGeneratorSupplier<StepResult> generators =
        context -> new Generator<>(bound, idle, wallClock, context.getInputActivityClock());
    return WatermarkStrategy.<StepResult>forGenerator(generators)
        .withTimestampAssigner((result, kafkaTimestamp) -> eventTime(result));
  }

  static long eventTime(StepResult result) {
    return CostRecord.isEpochMs(result.finishedAt()) ? result.finishedAt() : Long.MIN_VALUE;
  }

  /** One per source split (Kafka partition); Flink takes the minimum over splits. */
  static final class Generator<T> implements WatermarkGenerator<T> {
    private final long bound;
    private final long idleTimeout;
    private final SerializableSupplier<Long> wallClock;
    private final RelativeClock activity;
    private long maxTimestamp = Long.MIN_VALUE;
    private long lastRecordAt;
    // How long after it finished the newest record arrived (wall clock minus its time).
    private long newestLag;
    private long emitted = Long.MIN_VALUE;

    Generator(
        long bound,
        long idleTimeout,
        SerializableSupplier<Long> wallClock,
        RelativeClock activity) {
      this.bound = bound;
      this.idleTimeout = idleTimeout;
      this.wallClock = wallClock;
      this.activity = activity;
      this.lastRecordAt = activity.relativeTimeMillis();
    }

    @Override
    public void onEvent(T record, long timestamp, WatermarkOutput output) {
      if (timestamp != Long.MIN_VALUE && timestamp >= maxTimestamp) {
        maxTimestamp = timestamp;
        newestLag = wallClock.get() - timestamp;
      }
      lastRecordAt = activity.relativeTimeMillis();
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
      long candidate = maxTimestamp == Long.MIN_VALUE ? Long.MIN_VALUE : maxTimestamp - bound - 1;
      long quiet = activity.relativeTimeMillis() - lastRecordAt;
      boolean live = maxTimestamp == Long.MIN_VALUE || newestLag <= CATCH_UP_LAG_MS;
      if (quiet >= (live ? idleTimeout : idleTimeout * DRAINED_FACTOR)) {
        candidate = Math.max(candidate, wallClock.get() - bound - 1);
      }
      if (candidate > emitted) {
        emitted = candidate;
        output.emitWatermark(new Watermark(emitted));
      }
    }
  }
}
