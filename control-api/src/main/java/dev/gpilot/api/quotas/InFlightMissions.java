package dev.gpilot.api.quotas;

import dev.gpilot.api.http.ApiException;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The missions in flight (accepted, not final) per workspace, as this API instance knows them, and
 * the quota on them. Fed from what the instance reads anyway: every submission (its own, once Kafka
 * acknowledged it, and every instance's, from the missions topic) and every event (the events
 * topic). Each instance reads both topics whole at start-up, so after a restart the count is
 * rebuilt from the submissions and final events the topics retain.
 *
 * <p>Approximations (SPEC.md section 11, Quotas): a mission counts from its submission until its
 * final event, or until it has had no record for {@code inFlightIdle} (a mission whose final event
 * never comes stops counting then; a submission older than that, read again after a restart, is not
 * counted at all); another instance's submissions count once this instance's feed has read them
 * (milliseconds), so instances admitting at the same moment may overshoot the quota by what they
 * admit in that window. Thread-safe.
 */
public final class InFlightMissions {
  /**
   * What a client refused for the quota is asked to wait: missions take seconds to minutes to
   * finish.
   */
  public static final long RETRY_AFTER_SECONDS = 5;

  private record Entry(String workspaceId, long lastActivity) {}

  private final int limit;
  private final long idleMs;
  private final Clock clock;
  private final ConcurrentHashMap<String, Entry> missions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Integer> perWorkspace = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();
  private volatile long lastSweep;

  public InFlightMissions(QuotaOptions options, Clock clock) {
    this.limit = options.missionsInFlight();
    this.idleMs = options.inFlightIdle().toMillis();
    this.clock = clock;
    this.lastSweep = clock.millis();
  }

  /**
   * Counts a mission this instance is about to write, if its workspace is under the quota.
   *
   * @throws ApiException 429 {@code /problems/quota-exceeded} with {@code Retry-After} when the
   *     workspace has {@code limit} missions in flight; nothing is counted then
   */
  public void admit(String workspaceId, String missionId) {
    if (missions.containsKey(missionId)) {
      return; // counted already (a retried write of the same mission)
    }
    if (!take(workspaceId)) {
      sweep(clock.millis()); // missions gone idle free their places before a refusal
      if (!take(workspaceId)) {
        refused.incrementAndGet();
        throw ApiException.quotaExceeded(
            "workspace '"
                + workspaceId
                + "' has its quota of "
                + limit
                + " missions in flight; retry once some have finished",
            RETRY_AFTER_SECONDS);
      }
    }
    if (missions.putIfAbsent(missionId, new Entry(workspaceId, clock.millis())) != null) {
      give(workspaceId);
    }
  }

  /**
   * A mission admitted by {@link #admit} that was not written after all (Kafka did not confirm it).
   */
  public void release(String missionId) {
    Entry gone = missions.remove(missionId);
    if (gone != null) {
      give(gone.workspaceId());
    }
  }

  /**
   * A submission read or written: counts it unless it is counted already, already final, or older
   * than the idle bound.
   *
   * @param finished whether its final event was read already (the topics are read in no particular
   *     order)
   */
  public void submitted(String workspaceId, String missionId, long submittedAt, boolean finished) {
    long now = clock.millis();
    if (finished || submittedAt < now - idleMs || missions.containsKey(missionId)) {
      maybeSweep(now);
      return;
    }
    if (missions.putIfAbsent(missionId, new Entry(workspaceId, Math.max(submittedAt, 0))) == null) {
      perWorkspace.merge(workspaceId, 1, Integer::sum);
    }
    maybeSweep(now);
  }

  /** An event of a mission: a final one ends it; any other keeps it from going idle. */
  public void event(String missionId, long ts, boolean isFinal) {
    if (isFinal) {
      release(missionId);
    } else {
      missions.computeIfPresent(
          missionId, (id, e) -> ts > e.lastActivity() ? new Entry(e.workspaceId(), ts) : e);
    }
  }

  /** Missions of the workspace in flight now. */
  public int inFlight(String workspaceId) {
    return perWorkspace.getOrDefault(workspaceId, 0);
  }

  /** Missions in flight now, all workspaces. */
  public int total() {
    return missions.size();
  }

  /** The most missions in flight of any one workspace now. */
  public int busiest() {
    return perWorkspace.values().stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  /** Submissions refused for the quota since the start. */
  public long refused() {
    return refused.get();
  }

  public int limit() {
    return limit;
  }

  private boolean take(String workspaceId) {
    boolean[] taken = {false};
    perWorkspace.compute(
        workspaceId,
        (ws, n) -> {
          int held = n == null ? 0 : n;
          if (held >= limit) {
            return n;
          }
          taken[0] = true;
          return held + 1;
        });
    return taken[0];
  }

  private void give(String workspaceId) {
    perWorkspace.computeIfPresent(workspaceId, (ws, n) -> n <= 1 ? null : n - 1);
  }

  private void maybeSweep(long now) {
    if (now - lastSweep >= 60_000) {
      sweep(now);
    }
  }

  /** Stops counting the missions without a record for the idle bound. */
  void sweep(long now) {
    lastSweep = now;
    for (Map.Entry<String, Entry> e : missions.entrySet()) {
      if (e.getValue().lastActivity() < now - idleMs && missions.remove(e.getKey(), e.getValue())) {
        give(e.getValue().workspaceId());
      }
    }
  }
}
