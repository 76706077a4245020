package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.cost.CostRecord;
import java.time.Duration;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by missionId: passes each cost record on once, and marks a mission's first record per
 * (agent, model) and per agent, so that summing the marks over any windows counts each mission
 * once.
 *
 * <p>Why here: the step-results topic is at-least-once, and a record seen twice would be counted
 * twice by the windows; the raw table and the cost-records topic then carry each id once too
 * (downstream re-sends replace themselves by id). The state is small (the mission's attempt ids and
 * agents) and expires after {@link CostOptions#dedupeRetention()} without writes, longer than any
 * mission runs.
 */
public class CostTagger extends KeyedProcessFunction<String, CostRecord, TaggedCost> {
  private static final long serialVersionUID = 1L;

  private final Duration retention;

  /**
   * What the mission has seen: {@code a:<stepId>/<attempt>}, {@code g:<agent>}, {@code
   * m:<agent>/<model>}. One small value per mission: one state read and at most one write per
   * record (a map state took up to six RocksDB calls).
   */
  private transient ValueState<String[]> seen;

  private transient Counter duplicates;

  public CostTagger(Duration retention) {
    this.retention = retention;
  }

  @Override
  public void open(OpenContext openContext) {
    ValueStateDescriptor<String[]> descriptor =
        new ValueStateDescriptor<>("seen", BasicArrayTypeInfo.STRING_ARRAY_TYPE_INFO);
    descriptor.enableTimeToLive(
        StateTtlConfig.newBuilder(retention)
            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
            .build());
    seen = getRuntimeContext().getState(descriptor);
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicateCostRecordsDropped");
  }

  @Override
  public void processElement(CostRecord record, Context ctx, Collector<TaggedCost> out)
      throws Exception {
    String[] keys = seen.value();
    keys = keys == null ? new String[0] : keys;
    // The key is the mission: its attempts are told apart by step and attempt alone, which keeps
    // the value (read
    // and written for every record) small. Values written before kept the whole id; both forms
    // count.
    String attempt = "a:" + record.stepId() + "/" + record.attempt();
    if (contains(keys, attempt) || contains(keys, "a:" + record.id())) {
      duplicates.inc();
      return;
    }
    String model = "m:" + record.agent() + "/" + record.modelKey();
    String agent = "g:" + record.agent();
    boolean newMission = !contains(keys, model);
    boolean newAgentMission = !contains(keys, agent);
    int n = keys.length;
    String[] next = Arrays.copyOf(keys, n + 1 + (newMission ? 1 : 0) + (newAgentMission ? 1 : 0));
    next[n++] = attempt;
    if (newMission) {
      next[n++] = model;
    }
    if (newAgentMission) {
      next[n] = agent;
    }
    seen.update(next);
    out.collect(new TaggedCost(record, newMission, newAgentMission));
  }

  private static boolean contains(String[] keys, String key) {
    for (String k : keys) {
      if (k.equals(key)) {
        return true;
      }
    }
    return false;
  }
}
