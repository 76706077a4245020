package dev.gpilot.api.streams;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The open streams of this instance: the writer pool they share and their heartbeats. */
public final class StreamRegistry implements AutoCloseable {
  private final Set<EventStream> open = ConcurrentHashMap.newKeySet();
  private final ExecutorService writers;
  private final ScheduledExecutorService heartbeats;

  public StreamRegistry(int writerThreads, Duration heartbeatInterval) {
    AtomicInteger n = new AtomicInteger();
    this.writers = Executors.newFixedThreadPool(writerThreads, r -> daemon(r, "stream-writer-" + n.incrementAndGet()));
    this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "stream-heartbeat"));
    long ms = heartbeatInterval.toMillis();
    heartbeats.scheduleAtFixedRate(() -> open.forEach(EventStream::heartbeat), ms, ms, TimeUnit.MILLISECONDS);
  }

  public ExecutorService writers() {
    return writers;
  }

  public void track(EventStream stream) {
    open.add(stream);
  }

  public void untrack(EventStream stream) {
    open.remove(stream);
  }

  public int openStreams() {
    return open.size();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() {
    heartbeats.shutdownNow();
    writers.shutdownNow();
  }
}
