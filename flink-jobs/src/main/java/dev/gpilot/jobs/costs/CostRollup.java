package dev.gpilot.jobs.costs;

import java.util.Objects;

/**
 * A row of ClickHouse's {@code cost_rollup_1m}: the totals of one 1-minute event-time window of one
 * (workspace, agent, model), or of one record that came later than the window's allowed lateness.
 *
 * @param windowStart epoch milliseconds, a whole minute
 * @param slice "" for the window's row; the record's id for a record later than the allowed
 *     lateness
 * @param version grows with every firing of the same window (it is the window's step count, which
 *     only grows): the row with the highest version replaces the others
 */
public record CostRollup(
    String workspaceId,
    String agent,
    String model,
    long windowStart,
    String slice,
    CostTotals totals,
    long version) {

  public CostRollup {
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(slice, "slice");
    Objects.requireNonNull(totals, "totals");
  }

  /**
   * The row of a record that came after its window was closed for good. Only single late records
   * can be that late ({@link CostCombiner} passes them on alone, with their id): a re-sent one
   * replaces its own row.
   */
  public static CostRollup straggler(CostSlice late) {
    if (late.recordId() == null) {
      throw new IllegalArgumentException("a straggler must be a single record with its id");
    }
    return new CostRollup(
        late.workspaceId(),
        late.agent(),
        late.model(),
        late.windowStart(),
        late.recordId(),
        late.totals(),
        1);
  }
}
