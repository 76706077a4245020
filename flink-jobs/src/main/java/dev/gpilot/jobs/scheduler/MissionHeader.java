package dev.gpilot.jobs.scheduler;

import dev.gpilot.contracts.mission.MissionStatus;
import java.util.Objects;

/**
 * The part of a mission's state that changes on every input: status, the event sequence, times, the
 * reason it ended. The scheduler's {@code mission-header} value state; a streamed delta reads the
 * header and its step and writes only the header. Mutable: {@link MissionMachine} changes a copy
 * and hands it back as a change; written by {@link MissionHeaderSerializer}.
 */
public final class MissionHeader {
  /**
   * {@link #readySteps} of a header restored from a state that did not count them; the scheduler
   * counts again.
   */
  public static final int READY_STEPS_UNKNOWN = -1;

  public String missionId;
  public String workspaceId;
  public MissionStatus status;
  public long submittedAt;
  public long startedAt;
  public long finishedAt;

  /** When the mission times out (epoch ms); 0 = no deadline. */
  public long deadlineAt;

  /** The seq of the last event emitted; the next event gets lastSeq + 1. */
  public long lastSeq;

  /** Why the mission ended other than COMPLETED; null otherwise. */
  public String reason;

  /** Steps (the planning step included) not yet SUCCEEDED, FAILED, SKIPPED or CANCELLED. */
  public int unfinishedSteps;

  /** Steps RUNNING now. */
  public int runningSteps;

  /**
   * Steps READY now (waiting to start, or to retry); {@link #READY_STEPS_UNKNOWN} in a header
   * migrated from 0.1.0.
   */
  public int readySteps;

  public MissionHeader() {}

  /** A copy sharing nothing mutable with this one. */
  public MissionHeader copy() {
    MissionHeader c = new MissionHeader();
    c.missionId = missionId;
    c.workspaceId = workspaceId;
    c.status = status;
    c.submittedAt = submittedAt;
    c.startedAt = startedAt;
    c.finishedAt = finishedAt;
    c.deadlineAt = deadlineAt;
    c.lastSeq = lastSeq;
    c.reason = reason;
    c.unfinishedSteps = unfinishedSteps;
    c.runningSteps = runningSteps;
    c.readySteps = readySteps;
    return c;
  }

  long nextSeq() {
    return ++lastSeq;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MissionHeader h
        && Objects.equals(missionId, h.missionId)
        && Objects.equals(workspaceId, h.workspaceId)
        && status == h.status
        && submittedAt == h.submittedAt
        && startedAt == h.startedAt
        && finishedAt == h.finishedAt
        && deadlineAt == h.deadlineAt
        && lastSeq == h.lastSeq
        && Objects.equals(reason, h.reason)
        && unfinishedSteps == h.unfinishedSteps
        && runningSteps == h.runningSteps
        && readySteps == h.readySteps;
  }

  @Override
  public int hashCode() {
    return Objects.hash(missionId, status, lastSeq);
  }

  @Override
  public String toString() {
    return "MissionHeader[" + missionId + " " + status + " seq " + lastSeq + "]";
  }
}
