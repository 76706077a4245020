package dev.gpilot.contracts.events;

/**
 * A step will not run (its condition is false, or a dependency failed): {@code step.skipped},
 * {@code status} {@code SKIPPED}.
 */
public record StepSkipped(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String stepId,
    String agent,
    Integer attempt,
    String reason)
    implements StepTransition {

  public StepSkipped {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.STEP_SKIPPED;
  }
}
