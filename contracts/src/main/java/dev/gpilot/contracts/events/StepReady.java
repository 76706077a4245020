package dev.gpilot.contracts.events;

/**
 * A step's dependencies are done: {@code step.ready}; {@code attempt} is the one about to start,
 * {@code status} {@code READY}.
 */
public record StepReady(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String stepId,
    String agent,
    Integer attempt)
    implements StepTransition {

  public StepReady {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.STEP_READY;
  }
}
