package dev.gpilot.contracts.events;

/**
 * An attempt of a step was sent to its agent: {@code step.started}, {@code status} {@code RUNNING}.
 */
public record StepStarted(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String stepId,
    String agent,
    Integer attempt)
    implements StepTransition {

  public StepStarted {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.STEP_STARTED;
  }
}
