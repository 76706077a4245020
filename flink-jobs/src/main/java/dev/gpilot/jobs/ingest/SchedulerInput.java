package dev.gpilot.jobs.ingest;

import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.step.StepResult;

/**
 * What the scheduler reads, from several topics, as one stream keyed by missionId. Exactly one field is set.
 */
public record SchedulerInput(MissionSubmitted submitted, StepResult result, MissionControl control) {

  public SchedulerInput {
    int set = (submitted == null ? 0 : 1) + (result == null ? 0 : 1) + (control == null ? 0 : 1);
    if (set != 1) {
      throw new IllegalArgumentException("exactly one of submitted, result, control must be set");
    }
  }

  public static SchedulerInput of(MissionSubmitted submitted) {
    return new SchedulerInput(submitted, null, null);
  }

  public static SchedulerInput of(StepResult result) {
    return new SchedulerInput(null, result, null);
  }

  public static SchedulerInput of(MissionControl control) {
    return new SchedulerInput(null, null, control);
  }

  /** The key: every input belongs to one mission. */
  public String missionId() {
    if (submitted != null) {
      return submitted.missionId();
    }
    return result != null ? result.missionId() : control.missionId();
  }
}
