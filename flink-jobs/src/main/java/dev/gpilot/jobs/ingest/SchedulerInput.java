package dev.gpilot.jobs.ingest;

import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;

/**
 * What the scheduler reads, from several topics, as one stream keyed by missionId. Exactly one field is set.
 */
public record SchedulerInput(
    MissionSubmitted submitted, StepResult result, MissionControl control, StepDelta delta) {

  public SchedulerInput {
    int set = (submitted == null ? 0 : 1) + (result == null ? 0 : 1) + (control == null ? 0 : 1)
        + (delta == null ? 0 : 1);
    if (set != 1) {
      throw new IllegalArgumentException("exactly one of submitted, result, control, delta must be set");
    }
  }

  public static SchedulerInput of(MissionSubmitted submitted) {
    return new SchedulerInput(submitted, null, null, null);
  }

  public static SchedulerInput of(StepResult result) {
    return new SchedulerInput(null, result, null, null);
  }

  public static SchedulerInput of(MissionControl control) {
    return new SchedulerInput(null, null, control, null);
  }

  public static SchedulerInput of(StepDelta delta) {
    return new SchedulerInput(null, null, null, delta);
  }

  /** The key: every input belongs to one mission. */
  public String missionId() {
    if (submitted != null) {
      return submitted.missionId();
    }
    if (result != null) {
      return result.missionId();
    }
    return control != null ? control.missionId() : delta.missionId();
  }
}
