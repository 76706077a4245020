package dev.gpilot.contracts.events;

/**
 * A step that had not finished when the mission ended: {@code step.cancelled}, {@code status}
 * {@code CANCELLED}.
 */
public record StepCancelled(
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

  public StepCancelled {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.STEP_CANCELLED;
  }
}
