package dev.gpilot.api.tenancy;

import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import dev.gpilot.contracts.tenancy.KeyUsageRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coalesces {@code lastUsedAt}: a request only records the time in memory; every flush interval the
 * instance writes one {@link KeyUsageRecord} per key used since, in one transaction of the
 * control-plane writer. So a busy key costs one write per interval per instance, not one per
 * request.
 */
final class KeyUsageTracker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KeyUsageTracker.class);

  private record Used(String workspaceId, String keyId) {}

  private final ConcurrentHashMap<Used, Long> pending = new ConcurrentHashMap<>();
  private final ControlPlaneWriter writer;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "key-usage-flush");
            t.setDaemon(true);
            return t;
          });

  KeyUsageTracker(ControlPlaneWriter writer, Duration interval) {
    this.writer = writer;
    timer.scheduleWithFixedDelay(
        () -> flush(), interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  void touch(String workspaceId, String keyId, long now) {
    pending.merge(new Used(workspaceId, keyId), now, Math::max);
  }

  /** The newest use this instance has not written yet, or 0. */
  long unwritten(String workspaceId, String keyId) {
    return pending.getOrDefault(new Used(workspaceId, keyId), 0L);
  }

  /**
   * Writes the uses recorded since the last flush; completes when written (or failed, then kept for
   * the next).
   */
  java.util.concurrent.CompletableFuture<?> flush() {
    if (pending.isEmpty()) {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
    Map<Used, Long> batch = Map.copyOf(pending);
    batch.forEach(pending::remove); // remove(key, value): a newer touch stays for the next flush
    return writer
        .submit(
            view -> {
              List<ControlPlaneRecord> records = new ArrayList<>();
              batch.forEach(
                  (used, at) -> {
                    long stored =
                        view.get("key-usage/" + used.workspaceId() + "/" + used.keyId())
                            .map(r -> ((KeyUsageRecord) r).lastUsedAt())
                            .orElse(0L);
                    if (at > stored) {
                      records.add(KeyUsageRecord.of(used.workspaceId(), used.keyId(), at));
                    }
                  });
              return new ControlPlaneWriter.Computed<>(records, List.of(), null);
            })
        .whenComplete(
            (ignored, e) -> {
              if (e != null) {
                LOG.warn(
                    "writing key usage failed, keeping it for the next flush: {}", e.toString());
                batch.forEach((used, at) -> pending.merge(used, at, Math::max));
              }
            });
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      // The last uses go out before the writer stops; a slow Kafka does not hold the shutdown for
      // long.
      flush().get(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("the last key uses were not written: {}", e.toString());
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
