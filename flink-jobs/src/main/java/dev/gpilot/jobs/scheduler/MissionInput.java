package dev.gpilot.jobs.scheduler;

import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.ingest.SchedulerInput;
import java.util.Objects;

/**
 * What {@link MissionMachine} reacts to: one of a mission's inputs, or one of its timers firing.
 */
public sealed interface MissionInput {
  /** A mission submitted (again, if its id is known: then dropped). */
  record Submitted(MissionSubmitted mission) implements MissionInput {
    public Submitted {
      Objects.requireNonNull(mission);
    }
  }

  /** The outcome of a step attempt (at-least-once: stale and repeated ones are dropped). */
  record Result(StepResult result) implements MissionInput {
    public Result {
      Objects.requireNonNull(result);
    }
  }

  /** A piece of model text of a running attempt (best effort). */
  record Delta(StepDelta delta) implements MissionInput {
    public Delta {
      Objects.requireNonNull(delta);
    }
  }

  /** A control command: cancel. */
  record Control(MissionControl control) implements MissionInput {
    public Control {
      Objects.requireNonNull(control);
    }
  }

  /** A cancel for a mission that waited for a slot and never started (the scheduler's bound). */
  record CancelledWaiting(MissionSubmitted mission, MissionControl control)
      implements MissionInput {
    public CancelledWaiting {
      Objects.requireNonNull(mission);
      Objects.requireNonNull(control);
    }
  }

  /** A processing-time timer the machine asked for fired at {@code timestamp}. */
  record TimerFired(long timestamp) implements MissionInput {}

  /** The machine's input for one of the scheduler's stream inputs. */
  static MissionInput of(SchedulerInput input) {
    if (input instanceof SchedulerInput.Submitted s) {
      return new Submitted(s.mission());
    } else if (input instanceof SchedulerInput.Result r) {
      return new Result(r.result());
    } else if (input instanceof SchedulerInput.Control c) {
      return new Control(c.control());
    }
    return new Delta(((SchedulerInput.Delta) input).delta());
  }
}
