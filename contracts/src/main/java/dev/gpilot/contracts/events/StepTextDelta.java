package dev.gpilot.contracts.events;

/**
 * Model text of the running attempt as it streams: {@code step.delta} (best effort; the {@link
 * StepCompleted} output is the one of record).
 */
public record StepTextDelta(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String stepId,
    String agent,
    Integer attempt,
    String text)
    implements StepEvent {

  public StepTextDelta {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.STEP_DELTA;
  }
}
