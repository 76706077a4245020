package dev.gpilot.contracts.step;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.gpilot.contracts.json.Envelope;
import java.util.Objects;

/**
 * A piece of model text of a running step attempt: the record on {@code gpilot.step-deltas.v1},
 * keyed by missionId. Best effort (it may be lost, or repeated after a retry); the scheduler turns
 * the deltas of the running attempt into {@code step.delta} events. The step's result is the one of
 * record.
 *
 * @param index the delta's position within its model call: 0, 1, 2, ...
 */
@JsonPropertyOrder({"type", "version", "id", "missionId", "workspaceId"})
public record StepDelta(
    String missionId,
    String workspaceId,
    String stepId,
    int attempt,
    int index,
    String text,
    long ts)
    implements Envelope {

  public static final String TYPE = "step.delta";

  public StepDelta {
    Objects.requireNonNull(missionId, "missionId is required");
    Objects.requireNonNull(workspaceId, "workspaceId is required");
    Objects.requireNonNull(stepId, "stepId is required");
    Objects.requireNonNull(text, "text is required");
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public String id() {
    return missionId + "/" + stepId + "/" + attempt + "/" + index;
  }
}
