package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.cost.CostRecord;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * A replay's totals per (agent, model) as its raw rows hold them: attempts and the new cost of the
 * records the tagger passed (each attempt once), summed per subtask and handed to the job's result
 * as an accumulator when the input ends. It saves querying the version's table after the job, which
 * grouped every attempt by its id again.
 */
final class ReplaySums extends AbstractStreamOperator<Void>
    implements OneInputStreamOperator<TaggedCost, Void> {
  private static final long serialVersionUID = 1L;

  /** The accumulator's name. */
  static final String ACCUMULATOR = "replay-sums";

  /** One subtask's total for one (agent, model). */
  record Sum(String agent, String model, long attempts, long costMicros) implements Serializable {}

  private transient Map<ReplayDiff.Key, long[]> sums;
  private transient ListAccumulator<Sum> out;

  @Override
  public void open() throws Exception {
    super.open();
    sums = new HashMap<>();
    out = new ListAccumulator<>();
    getRuntimeContext().addAccumulator(ACCUMULATOR, out);
  }

  @Override
  public void processElement(StreamRecord<TaggedCost> element) {
    CostRecord r = element.getValue().record();
    long[] s = sums.computeIfAbsent(new ReplayDiff.Key(r.agent(), r.modelKey()), k -> new long[2]);
    s[0]++;
    s[1] = Math.addExact(s[1], r.costMicros());
  }

  @Override
  public void finish() throws Exception {
    sums.forEach((k, s) -> out.add(new Sum(k.agent(), k.model(), s[0], s[1])));
    sums.clear();
    super.finish();
  }

  /** The subtasks' sums of a finished job, added up per agent and model. */
  static Map<ReplayDiff.Key, ReplayDiff.Count> of(JobExecutionResult result) {
    List<Sum> all = result.getAccumulatorResult(ACCUMULATOR);
    Map<ReplayDiff.Key, ReplayDiff.Count> sums = new HashMap<>();
    for (Sum s : all == null ? new ArrayList<Sum>() : all) {
      sums.merge(
          new ReplayDiff.Key(s.agent(), s.model()),
          new ReplayDiff.Count(s.attempts(), s.costMicros()),
          ReplayDiff.Count::plus);
    }
    return sums;
  }
}
