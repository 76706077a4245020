package dev.gpilot.jobs.costs;

import java.util.Objects;

/**
 * What the 1-minute windows add up: the totals of cost records of one (workspace, agent, model) in
 * one minute, pre-aggregated by the {@link CostCombiner}, or one record on its own when it came
 * after the watermark.
 *
 * @param windowStart epoch milliseconds of the minute the records finished in
 * @param recordId the record's id when this slice is one late record (its straggler row is keyed by
 *     it), else null
 */
public record CostSlice(
    String workspaceId,
    String agent,
    String model,
    long windowStart,
    CostTotals totals,
    String recordId) {

  public CostSlice {
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(totals, "totals");
  }

  /** One record as a slice of its own, keeping its id. */
  public static CostSlice of(TaggedCost tagged) {
    return new CostSlice(
        tagged.record().workspaceId(),
        tagged.record().agent(),
        tagged.record().modelKey(),
        tagged.windowStart(),
        CostTotals.of(tagged),
        tagged.record().id());
  }
}
