package dev.gpilot.contracts.events;

import dev.gpilot.contracts.mission.MissionConfig;

/**
 * The job took the mission: {@code mission.accepted}, its first event. {@code status} is {@code
 * PLANNING}. For a fork, what it was asked for: {@code rerunOf} the original's id, {@code
 * rerunModel} the model its steps run on and {@code rerunFromStep} the step it runs again from
 * (each null when not given, and all null for a mission that is no fork).
 */
public record MissionAccepted(
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String mission,
    MissionConfig config,
    String rerunOf,
    String rerunModel,
    String rerunFromStep)
    implements MissionEvent {

  public MissionAccepted {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.MISSION_ACCEPTED;
  }
}
