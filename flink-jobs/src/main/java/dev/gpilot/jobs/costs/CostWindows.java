package dev.gpilot.jobs.costs;

import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** The parts of the 1-minute windows per (workspace, agent, model). */
public final class CostWindows {
  private CostWindows() {}

  /** Separates the parts of a window key; none of them can contain it. */
  private static final char SEP = '\u001f';

  /** Keys a slice by (workspace, agent, model), as one string. */
  public static final class ByAgentModel implements KeySelector<CostSlice, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(CostSlice slice) {
      return slice.workspaceId() + SEP + slice.agent() + SEP + slice.model();
    }
  }

  /**
   * Adds slices into {@link CostTotals}: small accumulators, so RocksDB state stays cheap per
   * slice.
   */
  public static final class Sum implements AggregateFunction<CostSlice, CostTotals, CostTotals> {
    private static final long serialVersionUID = 1L;

    @Override
    public CostTotals createAccumulator() {
      return new CostTotals();
    }

    @Override
    public CostTotals add(CostSlice value, CostTotals accumulator) {
      return accumulator.merge(value.totals());
    }

    @Override
    public CostTotals getResult(CostTotals accumulator) {
      return accumulator;
    }

    @Override
    public CostTotals merge(CostTotals a, CostTotals b) {
      return a.merge(b);
    }
  }

  /**
   * Turns a window's totals into its rollup row. It runs at every firing: once when the watermark
   * passes the window's end and again for every late slice within the allowed lateness, each time
   * with the full totals and a higher version (the step count).
   */
  public static final class ToRollup
      extends ProcessWindowFunction<CostTotals, CostRollup, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(
        String key, Context context, Iterable<CostTotals> totals, Collector<CostRollup> out) {
      String[] parts = key.split(String.valueOf(SEP), -1);
      CostTotals t = totals.iterator().next();
      // Copy: with object reuse the accumulator instance lives on in the window state.
      CostTotals copy = new CostTotals().merge(t);
      out.collect(
          new CostRollup(
              parts[0], parts[1], parts[2], context.window().getStart(), "", copy, copy.steps));
    }
  }
}
