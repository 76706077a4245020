package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.cost.CostRecord;

/** Running totals of one window: the window aggregate's accumulator. Mutable; a Flink POJO. */
public final class CostTotals {
  public long steps;
  public long missions;
  public long agentMissions;
  public long errors;
  public long promptTokens;
  public long outputTokens;
  public long thinkingTokens;
  public long cachedTokens;
  public long costMicros;
  public long latencySumMs;
  public long latencyMaxMs;

  public CostTotals() {}

  /** The totals of one record. */
  public static CostTotals of(TaggedCost tagged) {
    return new CostTotals().add(tagged);
  }

  public CostTotals add(TaggedCost tagged) {
    CostRecord r = tagged.record();
    steps++;
    missions += tagged.newMission() ? 1 : 0;
    agentMissions += tagged.newAgentMission() ? 1 : 0;
    errors += r.succeeded() ? 0 : 1;
    promptTokens += r.usage().promptTokens();
    outputTokens += r.usage().outputTokens();
    thinkingTokens += r.usage().thinkingTokens();
    cachedTokens += r.usage().cachedTokens();
    costMicros = Math.addExact(costMicros, r.costMicros());
    latencySumMs += r.latencyMs();
    latencyMaxMs = Math.max(latencyMaxMs, r.latencyMs());
    return this;
  }

  public CostTotals merge(CostTotals o) {
    steps += o.steps;
    missions += o.missions;
    agentMissions += o.agentMissions;
    errors += o.errors;
    promptTokens += o.promptTokens;
    outputTokens += o.outputTokens;
    thinkingTokens += o.thinkingTokens;
    cachedTokens += o.cachedTokens;
    costMicros = Math.addExact(costMicros, o.costMicros);
    latencySumMs += o.latencySumMs;
    latencyMaxMs = Math.max(latencyMaxMs, o.latencyMaxMs);
    return this;
  }
}
