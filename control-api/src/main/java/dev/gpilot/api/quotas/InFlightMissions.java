package dev.gpilot.api.quotas;

import dev.gpilot.api.http.ApiException;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

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

  /** A workspace's count, one object per workspace, shared by the entries of its missions. */
  private static final class Workspace {
    final AtomicInteger inFlight = new AtomicInteger();
  }

  /**
   * A mission in flight. Its last activity is updated in place: an event allocates nothing and
   * writes no reference into the (old, large) map, which a collector would otherwise rescan.
   */
  private static final class Entry {
    private static final AtomicLongFieldUpdater<Entry> LAST_ACTIVITY =
        AtomicLongFieldUpdater.newUpdater(Entry.class, "lastActivity");

    final Workspace workspace;
    volatile long lastActivity;

    Entry(Workspace workspace, long lastActivity) {
      this.workspace = workspace;
      this.lastActivity = lastActivity;
    }

    void touched(long ts) {
      LAST_ACTIVITY.accumulateAndGet(this, ts, Math::max);
    }
  }

  private final int limit;
  private final long idleMs;
  private final Clock clock;
  // Keyed by key(missionId): a saturated job can leave millions of missions in flight here.
  private final ConcurrentHashMap<Object, Entry> missions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Workspace> workspaces = new ConcurrentHashMap<>();
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
    Object key = key(missionId);
    if (missions.containsKey(key)) {
      return; // counted already (a retried write of the same mission)
    }
    Workspace workspace = workspace(workspaceId);
    if (!take(workspace)) {
      sweep(clock.millis()); // missions gone idle free their places before a refusal
      if (!take(workspace)) {
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
    if (missions.putIfAbsent(key, new Entry(workspace, clock.millis())) != null) {
      workspace.inFlight.decrementAndGet();
    }
  }

  /**
   * A mission admitted by {@link #admit} that was not written after all (Kafka did not confirm it).
   */
  public void release(String missionId) {
    Entry gone = missions.remove(key(missionId));
    if (gone != null) {
      gone.workspace.inFlight.decrementAndGet();
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
    Object key = key(missionId);
    if (finished || submittedAt < now - idleMs || missions.containsKey(key)) {
      maybeSweep(now);
      return;
    }
    Workspace workspace = workspace(workspaceId);
    if (missions.putIfAbsent(key, new Entry(workspace, Math.max(submittedAt, 0))) == null) {
      workspace.inFlight.incrementAndGet();
    }
    maybeSweep(now);
  }

  /** An event of a mission: a final one ends it; any other keeps it from going idle. */
  public void event(String missionId, long ts, boolean isFinal) {
    if (isFinal) {
      release(missionId);
    } else {
      Entry entry = missions.get(key(missionId));
      if (entry != null) {
        entry.touched(ts);
      }
    }
  }

  /** Missions of the workspace in flight now. */
  public int inFlight(String workspaceId) {
    Workspace workspace = workspaces.get(workspaceId);
    return workspace == null ? 0 : workspace.inFlight.get();
  }

  /** Missions in flight now, all workspaces. */
  public int total() {
    return missions.size();
  }

  /** The most missions in flight of any one workspace now. */
  public int busiest() {
    return workspaces.values().stream().mapToInt(w -> w.inFlight.get()).max().orElse(0);
  }

  /** Submissions refused for the quota since the start. */
  public long refused() {
    return refused.get();
  }

  public int limit() {
    return limit;
  }

  /** The workspace's counter; kept once made (workspaces are few, their missions many). */
  private Workspace workspace(String workspaceId) {
    return workspaces.computeIfAbsent(workspaceId, id -> new Workspace());
  }

  private boolean take(Workspace workspace) {
    while (true) {
      int held = workspace.inFlight.get();
      if (held >= limit) {
        return false;
      }
      if (workspace.inFlight.compareAndSet(held, held + 1)) {
        return true;
      }
    }
  }

  private void maybeSweep(long now) {
    if (now - lastSweep >= 60_000) {
      sweep(now);
    }
  }

  /** Stops counting the missions without a record for the idle bound. */
  void sweep(long now) {
    lastSweep = now;
    for (Map.Entry<Object, Entry> e : missions.entrySet()) {
      if (e.getValue().lastActivity < now - idleMs && missions.remove(e.getKey(), e.getValue())) {
        e.getValue().workspace.inFlight.decrementAndGet();
      }
    }
  }

  /**
   * A missionId as the map's key: a UUID in its canonical (lower-case) text, as the API makes them,
   * as a {@link UUID} (32 bytes on the heap instead of 80 for the string); any other id as it is.
   */
  static Object key(String missionId) {
    if (missionId.length() != 36) {
      return missionId;
    }
    for (int i = 0; i < 36; i++) {
      char c = missionId.charAt(i);
      boolean ok =
          (i == 8 || i == 13 || i == 18 || i == 23)
              ? c == '-'
              : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      if (!ok) {
        return missionId;
      }
    }
    return UUID.fromString(missionId);
  }
}
