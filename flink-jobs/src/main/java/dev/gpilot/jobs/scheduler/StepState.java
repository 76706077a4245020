package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.mission.StepStatus;

/** A step's progress inside {@link MissionState}. Mutable; owned by the scheduler's keyed state. */
public final class StepState {
  public String id;
  public String agent;
  public StepStatus status = StepStatus.PENDING;
  /** The current (or last) attempt, 0 before the first. */
  public int attempt;
  public long startedAt;
  public long finishedAt;
  public JsonNode output;
  public String error;

  /** For Jackson. */
  public StepState() {}

  StepState(String id, String agent) {
    this.id = id;
    this.agent = agent;
  }
}
