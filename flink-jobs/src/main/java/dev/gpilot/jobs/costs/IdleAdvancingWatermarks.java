package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.cost.CostRecord;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.util.clock.RelativeClock;
import org.apache.flink.util.function.SerializableSupplier;

/**
 * Event-time watermarks for cost records (event time = the attempt's finish time) that keep moving when traffic
 * stops.
 *
 * <p>While records arrive, the watermark is the newest finish time seen minus the bounded out-of-orderness (Flink's
 * usual bounded generator). Once a partition has had no record for the idle timeout, its watermark follows the wall
 * clock instead, {@code now - outOfOrderness}: finish times are taken from the same clock when the attempt ends, so
 * a record that arrives later than that is late, and lands as a correction (allowed lateness) or as its own rollup
 * row. Flink's own idleness ({@code withIdleness}) would instead stop counting the partition, and when every
 * partition is idle the windows never fire: a quiet system would never show its last minute.
 *
 * <p>"No record for the idle timeout" is measured on Flink's input activity clock, which stops while the source is
 * backpressured, so a slow sink (ClickHouse down) does not make a busy partition look idle.
 */
public final class IdleAdvancingWatermarks {
  private IdleAdvancingWatermarks() {}

  /** The strategy for the cost source: timestamps from {@link CostRecord#finishedAt()}. */
  public static WatermarkStrategy<CostRecord> strategy(Duration outOfOrderness, Duration idleTimeout) {
    return strategy(outOfOrderness, idleTimeout, System::currentTimeMillis);
  }

  static WatermarkStrategy<CostRecord> strategy(
      Duration outOfOrderness, Duration idleTimeout, SerializableSupplier<Long> wallClock) {
    long bound = outOfOrderness.toMillis();
    long idle = idleTimeout.toMillis();
    WatermarkGeneratorSupplier<CostRecord> generators =
        context -> new Generator(bound, idle, wallClock, context.getInputActivityClock());
    return WatermarkStrategy.<CostRecord>forGenerator(generators)
        .withTimestampAssigner((record, previous) -> record.finishedAt());
  }

  /** One per source split (Kafka partition); Flink takes the minimum over splits. */
  static final class Generator implements WatermarkGenerator<CostRecord> {
    private final long bound;
    private final long idleTimeout;
    private final SerializableSupplier<Long> wallClock;
    private final RelativeClock activity;
    private long maxTimestamp = Long.MIN_VALUE;
    private long lastRecordAt;
    private long emitted = Long.MIN_VALUE;

    Generator(long bound, long idleTimeout, SerializableSupplier<Long> wallClock, RelativeClock activity) {
      this.bound = bound;
      this.idleTimeout = idleTimeout;
      this.wallClock = wallClock;
      this.activity = activity;
      this.lastRecordAt = activity.relativeTimeMillis();
    }

    @Override
    public void onEvent(CostRecord record, long timestamp, WatermarkOutput output) {
      maxTimestamp = Math.max(maxTimestamp, timestamp);
      lastRecordAt = activity.relativeTimeMillis();
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
      long candidate = maxTimestamp == Long.MIN_VALUE ? Long.MIN_VALUE : maxTimestamp - bound - 1;
      if (activity.relativeTimeMillis() - lastRecordAt >= idleTimeout) {
        candidate = Math.max(candidate, wallClock.get() - bound - 1);
      }
      if (candidate > emitted) {
        emitted = candidate;
        output.emitWatermark(new Watermark(emitted));
      }
    }
  }
}
