package dev.gpilot.api.streams;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gpilot.api.missions.MissionView;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open streams of this API instance: the small writer pool they share (writes are non-blocking, so a few
 * threads serve thousands of streams), their heartbeats, and the lag at which a stalled client is disconnected.
 */
public final class StreamRegistry implements AutoCloseable {
  /** How long {@link #close} waits for streams to hand their last message over. */
  static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

  private final Set<EventStream> open = ConcurrentHashMap.newKeySet();
  // Weak keys: a mission's frames go when its view does, and 10 minutes after the last stream of it opened.
  private final Cache<MissionView, MissionFrames> frames =
      Caffeine.newBuilder().weakKeys().expireAfterAccess(Duration.ofMinutes(10)).build();
  private final ExecutorService writers;
  private final ScheduledExecutorService heartbeats;
  private final long maxLag;
  private volatile boolean closing;

  /**
   * @param maxLag events a client whose connection accepts nothing may fall behind before it is disconnected
   */
  public StreamRegistry(int writerThreads, Duration heartbeatInterval, long maxLag) {
    if (writerThreads < 1 || maxLag < 1 || heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
      throw new IllegalArgumentException("stream writers and max lag must be positive, and heartbeats a duration");
    }
    AtomicInteger n = new AtomicInteger();
    this.writers = Executors.newFixedThreadPool(writerThreads, r -> daemon(r, "stream-writer-" + n.incrementAndGet()));
    this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "stream-heartbeat"));
    this.maxLag = maxLag;
    // Only a stream that has written nothing for a whole interval gets a heartbeat, so a busy instance sends none;
    // sweeping four times per interval spreads those of idle streams over it instead of writing them all at once.
    long interval = heartbeatInterval.toNanos();
    long sweep = Math.max(1, heartbeatInterval.toMillis() / 4);
    heartbeats.scheduleAtFixedRate(() -> {
      long now = System.nanoTime();
      open.forEach(stream -> stream.heartbeatIfIdle(now, interval));
    }, sweep, sweep, TimeUnit.MILLISECONDS);
  }

  public StreamRegistry(int writerThreads, Duration heartbeatInterval) {
    this(writerThreads, heartbeatInterval, 10_000);
  }

  /** Creates a stream of {@code view} onto {@code out}, tracked until it ends. */
  public EventStream open(MissionView view, StreamEncoder encoder, jakarta.servlet.ServletOutputStream out) {
    EventStream stream = new EventStream(view, encoder, out, writers, maxLag);
    open.add(stream);
    if (closing) {
      stream.shutDownOnStart(); // opened while this instance stops: it says so at once
    }
    return stream;
  }

  /** The mission's UI message frames, shared by all its SSE streams on this instance. */
  MissionFrames framesOf(MissionView view) {
    return frames.get(view, MissionFrames::new);
  }

  public void closed(EventStream stream) {
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

  /**
   * Ends every open stream with its encoder's {@link StreamEncoder#shuttingDown} message, so that clients know to
   * resume elsewhere ({@link #SHUTDOWN_GRACE} for their connections to take it), then stops the writers. A stream
   * opened meanwhile gets the same message at once.
   */
  @Override
  public void close() {
    closing = true;
    heartbeats.shutdownNow();
    List<EventStream> streams = List.copyOf(open);
    streams.forEach(EventStream::shutDown);
    try {
      CompletableFuture.allOf(streams.stream().map(EventStream::ended).toArray(CompletableFuture[]::new))
          .get(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // A client whose connection took nothing in time is cut off without the message.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    open.forEach(EventStream::abort);
    writers.shutdownNow();
  }
}
