package dev.gpilot.jobs.ingest;

import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.step.StepResult;

/**
 * What the scheduler reads, from several topics, as one stream keyed by missionId. Exactly one field is set.
 */
public record SchedulerInput(MissionSubmitted submitted, StepResult result) {

  public SchedulerInput {
    if ((submitted == null) == (result == null)) {
      throw new IllegalArgumentException("exactly one of submitted, result must be set");
    }
  }

  public static SchedulerInput of(MissionSubmitted submitted) {
    return new SchedulerInput(submitted, null);
  }

  public static SchedulerInput of(StepResult result) {
    return new SchedulerInput(null, result);
  }

  /** The key: every input belongs to one mission. */
  public String missionId() {
    return submitted != null ? submitted.missionId() : result.missionId();
  }
}
