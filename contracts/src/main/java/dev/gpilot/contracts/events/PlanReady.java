package dev.gpilot.contracts.events;

import dev.gpilot.contracts.mission.Plan;

/**
 * The mission has its plan and runs: {@code plan.ready}, with the mission's {@code status} ({@code
 * RUNNING}).
 */
public record PlanReady(
    String missionId, String workspaceId, long seq, long ts, String status, Plan plan)
    implements MissionEvent {

  public PlanReady {
    EventEnvelope.check(missionId, workspaceId, seq);
  }

  @Override
  public String type() {
    return EventTypes.PLAN_READY;
  }
}
