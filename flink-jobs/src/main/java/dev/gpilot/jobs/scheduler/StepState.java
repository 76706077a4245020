package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.mission.StepStatus;

/** A step's progress inside {@link MissionState}. Mutable; owned by the scheduler's keyed state. */
public final class StepState {
  public String id;
  public String agent;
  public StepStatus status = StepStatus.PENDING;
  /** The current (or last) attempt, 0 before the first. */
  public int attempt;
  public int maxAttempts;
  public long timeoutMs;
  public long startedAt;
  public long finishedAt;
  /** While RUNNING: when the attempt times out (epoch ms). */
  public long timeoutAt;
  /** While READY after a failed attempt: when the next attempt may start (epoch ms); 0 = at once. */
  public long retryAt;
  public JsonNode output;
  /** Why the step failed, was skipped or cancelled. */
  public String reason;
  /** Tokens and cost of all of the step's attempts. */
  public Usage usage = Usage.ZERO;
  public long costMicros;

  /** For Jackson. */
  public StepState() {}

  StepState(String id, String agent, int maxAttempts, long timeoutMs) {
    this.id = id;
    this.agent = agent;
    this.maxAttempts = maxAttempts;
    this.timeoutMs = timeoutMs;
  }
}
