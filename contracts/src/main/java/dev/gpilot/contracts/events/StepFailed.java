package dev.gpilot.contracts.events;

import dev.gpilot.contracts.cost.Usage;

/**
 * A step failed for good: {@code step.failed}, {@code status} {@code FAILED}; {@code model}, {@code
 * usage}, {@code costMicros} when the failed attempt was billed, else null.
 */
public record StepFailed(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String stepId,
    String agent,
    Integer attempt,
    String reason,
    Long durationMs,
    String model,
    Usage usage,
    Long costMicros)
    implements BilledAttempt {

  public StepFailed {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.STEP_FAILED;
  }
}
