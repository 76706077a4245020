package dev.gpilot.jobs.scheduler;

import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.mission.StepStatus;
import java.util.Objects;

/**
 * A step's progress, one entry per step of the scheduler's {@code mission-steps} map state. Small
 * and without the step's output (kept apart, in {@code mission-outputs}), so writing it after an
 * attempt costs the same for every step. Mutable: {@link MissionMachine} changes a copy and hands
 * it back as a change; written by {@link StepStateSerializer}.
 */
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

  /**
   * While READY after a failed attempt: when the next attempt may start (epoch ms); 0 = at once.
   */
  public long retryAt;

  /** Why the step failed, was skipped or cancelled; null otherwise. */
  public String reason;

  /** Tokens and cost of all of the step's attempts. */
  public Usage usage = Usage.ZERO;

  public long costMicros;

  /**
   * While RUNNING: since when the attempt waits for a budget at the budget gate (epoch ms; its
   * timeout is suspended until the gate lets it go); 0 when it is not waiting.
   */
  public long heldAt;

  public StepState() {}

  StepState(String id, String agent, int maxAttempts, long timeoutMs) {
    this.id = id;
    this.agent = agent;
    this.maxAttempts = maxAttempts;
    this.timeoutMs = timeoutMs;
  }

  /** A copy sharing nothing mutable with this one. */
  public StepState copy() {
    StepState c = new StepState(id, agent, maxAttempts, timeoutMs);
    c.status = status;
    c.attempt = attempt;
    c.startedAt = startedAt;
    c.finishedAt = finishedAt;
    c.timeoutAt = timeoutAt;
    c.retryAt = retryAt;
    c.reason = reason;
    c.usage = usage;
    c.costMicros = costMicros;
    c.heldAt = heldAt;
    return c;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StepState s
        && Objects.equals(id, s.id)
        && Objects.equals(agent, s.agent)
        && status == s.status
        && attempt == s.attempt
        && maxAttempts == s.maxAttempts
        && timeoutMs == s.timeoutMs
        && startedAt == s.startedAt
        && finishedAt == s.finishedAt
        && timeoutAt == s.timeoutAt
        && retryAt == s.retryAt
        && Objects.equals(reason, s.reason)
        && Objects.equals(usage, s.usage)
        && costMicros == s.costMicros
        && heldAt == s.heldAt;
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, status, attempt, startedAt, finishedAt);
  }

  @Override
  public String toString() {
    return "StepState[" + id + " " + status + " attempt " + attempt + "/" + maxAttempts + "]";
  }
}
