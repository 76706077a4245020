package dev.gpilot.jobs.costs;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Local pre-aggregation in front of the 1-minute windows (what Flink SQL calls the local phase of a
 * two-phase aggregation): adds up the cost records a subtask sees per (workspace, agent, model,
 * minute) and sends the windows one {@link CostSlice} per key instead of every record. It saves the
 * shuffle and the window's state access per record, which were most of the pipeline's CPU (bench
 * costs).
 *
 * <p>Nothing stays here longer than the next watermark, checkpoint or {@code maxKeys} distinct
 * keys:
 *
 * <ul>
 *   <li>a watermark first flushes every slice, then goes on, so a slice is never behind a watermark
 *       that passed its records (each slice carries the newest timestamp of its records, which were
 *       all on time);
 *   <li>a checkpoint barrier flushes everything before it ({@link #prepareSnapshotPreBarrier}): the
 *       operator has no state, and records after a restore are read again from Kafka and added up
 *       again;
 *   <li>a record behind the watermark by less than the windows' allowed lateness is added up like
 *       the others (its window fires once more for the slice, not once per record); one further
 *       behind is passed on alone, with its id, because the windows may have closed for good and
 *       then keep it as a straggler row keyed by that id.
 * </ul>
 *
 * Why a slice can never be later than the windows' allowed lateness: the windows' watermark is at
 * most this operator's watermark when the slice is sent, and each of its records was within the
 * allowed lateness of that.
 */
public final class CostCombiner extends AbstractStreamOperator<CostSlice>
    implements OneInputStreamOperator<TaggedCost, CostSlice> {
  private static final long serialVersionUID = 1L;

  private final int maxKeys;
  private final long allowedLatenessMs;
  private transient Map<Key, Pending> pending;
  private transient long watermark;

  /**
   * @param maxKeys flush once this many distinct keys are pending (bounds the memory the slices
   *     take)
   * @param allowedLatenessMs the windows' allowed lateness
   */
  public CostCombiner(int maxKeys, long allowedLatenessMs) {
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be >= 1, got " + maxKeys);
    }
    if (allowedLatenessMs < 0) {
      throw new IllegalArgumentException(
          "allowedLatenessMs must be >= 0, got " + allowedLatenessMs);
    }
    this.maxKeys = maxKeys;
    this.allowedLatenessMs = allowedLatenessMs;
  }

  private record Key(String workspaceId, String agent, String model, long windowStart) {}

  private static final class Pending {
    final CostTotals totals = new CostTotals();
    long maxTimestamp = Long.MIN_VALUE;
  }

  @Override
  public void open() throws Exception {
    super.open();
    pending = new HashMap<>();
    watermark = Long.MIN_VALUE;
  }

  @Override
  public void processElement(StreamRecord<TaggedCost> element) {
    TaggedCost tagged = element.getValue();
    long timestamp = element.getTimestamp();
    if (timestamp <= watermark && watermark - timestamp >= allowedLatenessMs) {
      output.collect(new StreamRecord<>(CostSlice.of(tagged), timestamp));
      return;
    }
    var r = tagged.record();
    Pending p =
        pending.computeIfAbsent(
            new Key(r.workspaceId(), r.agent(), r.modelKey(), tagged.windowStart()),
            k -> new Pending());
    p.totals.add(tagged);
    p.maxTimestamp = Math.max(p.maxTimestamp, timestamp);
    if (pending.size() >= maxKeys) {
      flush();
    }
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    flush();
    watermark = Math.max(watermark, mark.getTimestamp());
    super.processWatermark(mark);
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    flush();
  }

  @Override
  public void finish() throws Exception {
    flush();
    super.finish();
  }

  private void flush() {
    for (Map.Entry<Key, Pending> e : pending.entrySet()) {
      Key k = e.getKey();
      Pending p = e.getValue();
      output.collect(
          new StreamRecord<>(
              new CostSlice(k.workspaceId(), k.agent(), k.model(), k.windowStart(), p.totals, null),
              p.maxTimestamp));
    }
    pending.clear();
  }
}
