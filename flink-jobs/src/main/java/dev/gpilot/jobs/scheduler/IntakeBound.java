package dev.gpilot.jobs.scheduler;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The bound on one scheduler subtask's missions in flight (accepted, not yet ended): whether it
 * takes missions from its missions input, and which parked mission starts when a slot frees. No
 * Flink types; {@link MissionScheduler} feeds it every change of a mission's status and asks it
 * before starting a mission.
 *
 * <p>A mission that arrives at the bound is parked (its submission kept in keyed state by the
 * scheduler, its id here) and starts in arrival order as slots free; one that arrives while others
 * are parked queues behind them. The bound is strict: a mission is in flight only once it started.
 *
 * <p>Not thread-safe; one per operator instance. Rebuilt, not checkpointed: after a restore the
 * scheduler counts the missions in flight and parked in its own key groups ({@link #restored}), so
 * a rescale or a state of an older layout (which had no bound) comes back right.
 */
final class IntakeBound {
  private final int max;
  private int inFlight;
  private final Deque<String> parked = new ArrayDeque<>();

  /**
   * @param max missions in flight at most (at least 1)
   */
  IntakeBound(int max) {
    if (max < 1) {
      throw new IllegalArgumentException(
          "the bound on missions in flight must be at least 1, got " + max);
    }
    this.max = max;
  }

  int max() {
    return max;
  }

  int inFlight() {
    return inFlight;
  }

  int parked() {
    return parked.size();
  }

  /**
   * Whether a mission arriving now may start: below the bound with none parked before it (else it
   * is parked).
   */
  boolean admits() {
    return inFlight < max && parked.isEmpty();
  }

  /** A mission's input changed whether it is in flight (each call for one input to one mission). */
  void changed(boolean wasInFlight, boolean isInFlight) {
    if (wasInFlight != isInFlight) {
      inFlight += isInFlight ? 1 : -1;
      if (inFlight < 0) {
        throw new IllegalStateException("more missions ended than were in flight");
      }
    }
  }

  /** Parks a mission that arrived at the bound. */
  void park(String missionId) {
    parked.addLast(missionId);
  }

  /** A parked mission that will not start (it was cancelled while it waited). */
  void unpark(String missionId) {
    parked.remove(missionId);
  }

  /** The parked mission to start now, or null when none waits or the bound is reached. */
  String nextToStart() {
    return inFlight < max ? parked.pollFirst() : null;
  }

  /** After a restore: the missions in flight and parked in this subtask's key groups. */
  void restored(int missionsInFlight, Iterable<String> parkedMissions) {
    inFlight = missionsInFlight;
    parked.clear();
    parkedMissions.forEach(parked::addLast);
  }
}
