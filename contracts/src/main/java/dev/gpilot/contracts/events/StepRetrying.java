package dev.gpilot.contracts.events;

import dev.gpilot.contracts.cost.Usage;

/**
 * An attempt failed and the step will run again in {@code retryInMs}: {@code step.retrying}, {@code
 * status} {@code READY}; {@code model}, {@code usage} and {@code costMicros} when the failed
 * attempt was billed, else null.
 */
public record StepRetrying(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String stepId,
    String agent,
    Integer attempt,
    String reason,
    String model,
    Usage usage,
    Long costMicros,
    Long retryInMs)
    implements BilledAttempt {

  public StepRetrying {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.STEP_RETRYING;
  }
}
