package dev.gpilot.jobs.ingest;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import java.util.Objects;

/**
 * What the scheduler reads, from several topics, keyed by missionId: one record per kind. Missions
 * come on the scheduler's first input (the one it stops reading at its bound), everything else on
 * its second.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "input")
@JsonSubTypes({
  @JsonSubTypes.Type(value = SchedulerInput.Submitted.class, name = "submitted"),
  @JsonSubTypes.Type(value = SchedulerInput.Result.class, name = "result"),
  @JsonSubTypes.Type(value = SchedulerInput.Control.class, name = "control"),
  @JsonSubTypes.Type(value = SchedulerInput.Delta.class, name = "delta")
})
public sealed interface SchedulerInput {
  /** The key: every input belongs to one mission. */
  String missionId();

  /** A mission submitted ({@code gpilot.missions.v1}). */
  record Submitted(MissionSubmitted mission) implements SchedulerInput {
    public Submitted {
      Objects.requireNonNull(mission, "mission");
    }

    @Override
    public String missionId() {
      return mission.missionId();
    }
  }

  /** The outcome of a step attempt ({@code gpilot.step-results.v1}). */
  record Result(StepResult result) implements SchedulerInput {
    public Result {
      Objects.requireNonNull(result, "result");
    }

    @Override
    public String missionId() {
      return result.missionId();
    }
  }

  /**
   * A control command: cancel, or the budget gate holding or releasing an attempt ({@code
   * gpilot.mission-control.v1}).
   */
  record Control(MissionControl control) implements SchedulerInput {
    public Control {
      Objects.requireNonNull(control, "control");
    }

    @Override
    public String missionId() {
      return control.missionId();
    }
  }

  /** A piece of model text of a running attempt ({@code gpilot.step-deltas.v1}). */
  record Delta(StepDelta delta) implements SchedulerInput {
    public Delta {
      Objects.requireNonNull(delta, "delta");
    }

    @Override
    public String missionId() {
      return delta.missionId();
    }
  }

  static SchedulerInput of(MissionSubmitted submitted) {
    return new Submitted(submitted);
  }

  static SchedulerInput of(StepResult result) {
    return new Result(result);
  }

  static SchedulerInput of(MissionControl control) {
    return new Control(control);
  }

  static SchedulerInput of(StepDelta delta) {
    return new Delta(delta);
  }
}
