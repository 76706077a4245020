package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.cost.CostRecord;

/**
 * A cost record seen for the first time, with what makes mission counts add up across windows.
 *
 * @param newMission this is the mission's first record for its (agent, model)
 * @param newAgentMission this is the mission's first record for its agent (any model)
 */
public record TaggedCost(CostRecord record, boolean newMission, boolean newAgentMission) {

  /** The 1-minute window (epoch ms of its start) the record belongs to. */
  public long windowStart() {
    return record.finishedAt() - Math.floorMod(record.finishedAt(), 60_000L);
  }
}
