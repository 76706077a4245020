package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.step.StepResult;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every step result is a finished attempt and yields one cost record ({@link CostRecord#of}). A result that no cost
 * record can hold (a finish time outside what ClickHouse's {@code DateTime} stores) is logged and counted
 * ({@code invalidRecords}), and costs nothing: the scheduler still sees it.
 */
final class StepResultCosts extends RichFlatMapFunction<StepResult, CostRecord> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(StepResultCosts.class);

  private transient Counter invalid;

  @Override
  public void open(OpenContext openContext) {
    invalid = getRuntimeContext().getMetricGroup().counter("invalidRecords");
  }

  @Override
  public void flatMap(StepResult result, Collector<CostRecord> out) {
    CostRecord record;
    try {
      record = CostRecord.of(result);
    } catch (IllegalArgumentException | NullPointerException e) {
      invalid.inc();
      LOG.warn("no cost record for step result {}: {}", result.id(), e.getMessage());
      return;
    }
    out.collect(record);
  }
}
