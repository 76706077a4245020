package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.cost.CostRecord;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by missionId: passes each cost record on once, and marks a mission's first record per (agent, model) and
 * per agent, so that summing the marks over any windows counts each mission once.
 *
 * <p>Why here: the step-results topic is at-least-once, and a record seen twice would be counted twice by the
 * windows; the raw table and the cost-records topic then carry each id once too (downstream re-sends replace
 * themselves by id). The state is small (the mission's attempt ids and agents) and expires after
 * {@link CostOptions#dedupeRetention()} without writes, longer than any mission runs.
 */
public class CostTagger extends KeyedProcessFunction<String, CostRecord, TaggedCost> {
  private static final long serialVersionUID = 1L;

  private final Duration retention;
  /** Keys: {@code a:<attemptId>}, {@code g:<agent>}, {@code m:<agent>/<model>}. */
  private transient MapState<String, Boolean> seen;
  private transient Counter duplicates;

  public CostTagger(Duration retention) {
    this.retention = retention;
  }

  @Override
  public void open(OpenContext openContext) {
    MapStateDescriptor<String, Boolean> descriptor = new MapStateDescriptor<>("seen", Types.STRING, Types.BOOLEAN);
    descriptor.enableTimeToLive(StateTtlConfig.newBuilder(retention)
        .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
        .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
        .build());
    seen = getRuntimeContext().getMapState(descriptor);
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicateCostRecordsDropped");
  }

  @Override
  public void processElement(CostRecord record, Context ctx, Collector<TaggedCost> out) throws Exception {
    String attempt = "a:" + record.id();
    if (seen.contains(attempt)) {
      duplicates.inc();
      return;
    }
    seen.put(attempt, Boolean.TRUE);
    out.collect(new TaggedCost(record, firstTime("m:" + record.agent() + "/" + record.modelKey()),
        firstTime("g:" + record.agent())));
  }

  private boolean firstTime(String key) throws Exception {
    if (seen.contains(key)) {
      return false;
    }
    seen.put(key, Boolean.TRUE);
    return true;
  }
}
