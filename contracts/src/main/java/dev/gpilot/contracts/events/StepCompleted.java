package dev.gpilot.contracts.events;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.cost.Usage;

/**
 * A step succeeded: {@code step.completed}, {@code status} {@code SUCCEEDED}; {@code model}, {@code
 * usage}, {@code costMicros} when a model ran it. A fork's reused step has {@code reused} true,
 * cost 0, attempt 1, duration 0 and no model or usage; {@code reused} is null otherwise.
 */
public record StepCompleted(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String stepId,
    String agent,
    Integer attempt,
    JsonNode output,
    Long durationMs,
    String model,
    Usage usage,
    Long costMicros,
    Boolean reused)
    implements BilledAttempt {

  public StepCompleted {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.STEP_COMPLETED;
  }
}
