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
 * Every step result is a finished attempt and yields one cost record ({@link CostRecord#of}). A
 * result that no cost record can hold (a finish time outside what ClickHouse's {@code DateTime}
 * stores) is logged and counted ({@code invalidRecords}), and costs nothing: the scheduler still
 * sees it.
 */
final class StepResultCosts extends RichFlatMapFunction<StepResult, CostRecord> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(StepResultCosts.class);

  /** Null in the live job (the result's own price); a replay's new prices otherwise. */
  private final Repricer repricer;

  private transient Counter invalid;
  private transient Counter repriced;
  private transient Counter kept;

  StepResultCosts() {
    this(null);
  }

  StepResultCosts(Repricer repricer) {
    this.repricer = repricer;
  }

  @Override
  public void open(OpenContext openContext) {
    invalid = getRuntimeContext().getMetricGroup().counter("invalidRecords");
    repriced = getRuntimeContext().getMetricGroup().counter("repricedRecords");
    kept = getRuntimeContext().getMetricGroup().counter("keptPriceRecords");
  }

  @Override
  public void flatMap(StepResult result, Collector<CostRecord> out) {
    if (repricer != null) {
      Repricer.Repriced r = repricer.reprice(result);
      (r.outcome() == Repricer.Outcome.REPRICED ? repriced : kept).inc();
      result = r.result();
    }
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
