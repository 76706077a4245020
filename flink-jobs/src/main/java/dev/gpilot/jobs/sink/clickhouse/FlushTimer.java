package dev.gpilot.jobs.sink.clickhouse;

/**
 * When a batch is due: {@code interval} after its first row was added, unless it was sent before
 * (full, or by a checkpoint). At most one timer is pending; a timer set for a batch that was sent
 * since then waits on for the batch filling now, so that a checkpoint's flush is not followed by a
 * small insert of what came after it.
 *
 * <p>Not thread-safe: the sink writer calls it from its task thread only.
 */
final class FlushTimer {
  /** Sets a processing-time timer. */
  interface Timers {
    void register(long at);
  }

  private final long intervalMs;
  private final Timers timers;
  private boolean timerPending;
  private boolean batchOpen;
  private long firstRowAt;

  FlushTimer(long intervalMs, Timers timers) {
    this.intervalMs = intervalMs;
    this.timers = timers;
  }

  /** A row was added to the batch at {@code now}. */
  void rowAdded(long now) {
    if (batchOpen) {
      return;
    }
    batchOpen = true;
    firstRowAt = now;
    if (!timerPending) {
      timerPending = true;
      timers.register(firstRowAt + intervalMs);
    }
  }

  /** The batch was sent (or was empty). */
  void sent() {
    batchOpen = false;
  }

  /** The pending timer fired at {@code now}: true if the batch is due and must be sent now. */
  boolean fired(long now) {
    timerPending = false;
    if (!batchOpen) {
      return false;
    }
    long due = firstRowAt + intervalMs;
    if (now >= due) {
      return true;
    }
    timerPending = true;
    timers.register(due);
    return false;
  }
}
