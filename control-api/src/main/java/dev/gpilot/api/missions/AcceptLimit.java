package dev.gpilot.api.missions;

import dev.gpilot.api.http.ApiException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Bounds the missions this instance is accepting at once (handed to Kafka, not yet acknowledged):
 * past the bound a submission is refused at once with {@code 503} and {@code Retry-After} instead
 * of queueing behind the others, so a client learns in milliseconds that it should come back, and
 * the instance's memory and latency stay bounded when the broker or the machine cannot keep up. A
 * batch takes one permit per line (all of them when it has more lines than the bound, so that a
 * full-size batch is admitted on an idle instance). Nothing of a refused submission is written.
 */
public final class AcceptLimit {
  /** Seconds a refused client is asked to wait. */
  static final long RETRY_AFTER_SECONDS = 1;

  private final int limit;
  private final Semaphore permits;
  private final AtomicLong refused = new AtomicLong();

  /**
   * @param limit missions accepted at once at the most, at least 1
   */
  public AcceptLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException(
          "the limit of accepts in flight must be at least 1, got " + limit);
    }
    this.limit = limit;
    this.permits = new Semaphore(limit);
  }

  /**
   * Runs {@code accept} holding {@code missions} permits until the future it returns completes.
   *
   * @throws ApiException 503 {@code /problems/overloaded} with {@code Retry-After} when the permits
   *     are not free now
   */
  public <T> CompletableFuture<T> run(int missions, Supplier<CompletableFuture<T>> accept) {
    int needed = Math.max(1, Math.min(missions, limit));
    if (!permits.tryAcquire(needed)) {
      refused.incrementAndGet();
      throw new ApiException(
              503,
              "overloaded",
              "Service overloaded",
              "this instance is accepting "
                  + limit
                  + " missions already; retry after "
                  + RETRY_AFTER_SECONDS
                  + " s")
          .withHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
    }
    CompletableFuture<T> done;
    try {
      done = accept.get();
    } catch (RuntimeException | Error e) {
      permits.release(needed);
      throw e;
    }
    return done.whenComplete((value, error) -> permits.release(needed));
  }

  /** Missions being accepted now. */
  public int inFlight() {
    return limit - permits.availablePermits();
  }

  /** Submissions refused since start. */
  public long refused() {
    return refused.get();
  }

  public int limit() {
    return limit;
  }
}
