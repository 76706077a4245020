package dev.gpilot.api.streams;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.missions.MissionView;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open streams of this API instance: the small writer pool they share (writes are non-blocking,
 * so a few threads serve thousands of streams), their heartbeats, and the lag at which a stalled
 * client is disconnected.
 */
public final class StreamRegistry implements AutoCloseable {
  /** How long {@link #close} waits for streams to hand their last message over. */
  static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

  /**
   * What a client past a bound is told to wait: streams are long-lived, so a place frees slowly.
   */
  static final long RETRY_AFTER_SECONDS = 5;

  private final Set<EventStream> open = ConcurrentHashMap.newKeySet();
  // The HTTP exchanges of streams whose response the server has not completed yet: a stream that
  // has written its last word is done, but its response still has to be ended on the wire (the
  // chunked encoding's last chunk) before the server stops.
  private final Set<CompletableFuture<Void>> responses = ConcurrentHashMap.newKeySet();
  // Weak keys: a mission's frames go when its view does, and 10 minutes after the last stream of it
  // opened.
  private final Cache<MissionView, MissionFrames> frames =
      Caffeine.newBuilder().weakKeys().expireAfterAccess(Duration.ofMinutes(10)).build();
  // The same for the NDJSON lines of its events.
  private final Cache<MissionView, MissionLines> lines =
      Caffeine.newBuilder().weakKeys().expireAfterAccess(Duration.ofMinutes(10)).build();
  private final ExecutorService writers;
  private final ScheduledExecutorService heartbeats;
  private final long maxLag;
  private final int maxPerWorkspace;
  private final int maxStreams;
  private final AtomicInteger admitted = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong quotaRefused =
      new java.util.concurrent.atomic.AtomicLong();
  private final ConcurrentHashMap<String, Integer> admittedPerWorkspace = new ConcurrentHashMap<>();
  private volatile boolean closing;

  /**
   * @param maxLag events a client whose connection accepts nothing may fall behind before it is
   *     disconnected
   * @param maxPerWorkspace streams one workspace may have open at once on this instance
   * @param maxStreams streams this instance serves at once
   */
  public StreamRegistry(
      int writerThreads,
      Duration heartbeatInterval,
      long maxLag,
      int maxPerWorkspace,
      int maxStreams) {
    if (writerThreads < 1
        || maxLag < 1
        || heartbeatInterval.isNegative()
        || heartbeatInterval.isZero()
        || maxPerWorkspace < 1
        || maxStreams < 1) {
      throw new IllegalArgumentException(
          "stream writers, max lag and stream bounds must be positive, and heartbeats a duration");
    }
    this.maxPerWorkspace = maxPerWorkspace;
    this.maxStreams = maxStreams;
    AtomicInteger n = new AtomicInteger();
    this.writers =
        Executors.newFixedThreadPool(
            writerThreads, r -> daemon(r, "stream-writer-" + n.incrementAndGet()));
    this.heartbeats =
        Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "stream-heartbeat"));
    this.maxLag = maxLag;
    // Only a stream that has written nothing for a whole interval gets a heartbeat, so a busy
    // instance sends none;
    // sweeping four times per interval spreads those of idle streams over it instead of writing
    // them all at once.
    long interval = heartbeatInterval.toNanos();
    long sweep = Math.max(1, heartbeatInterval.toMillis() / 4);
    heartbeats.scheduleAtFixedRate(
        () -> {
          long now = System.nanoTime();
          open.forEach(stream -> stream.heartbeatIfIdle(now, interval));
        },
        sweep,
        sweep,
        TimeUnit.MILLISECONDS);
  }

  public StreamRegistry(int writerThreads, Duration heartbeatInterval) {
    this(
        writerThreads,
        heartbeatInterval,
        10_000,
        ApiOptions.DEFAULT_MAX_STREAMS_PER_WORKSPACE,
        ApiOptions.DEFAULT_MAX_STREAMS);
  }

  /**
   * A place for one stream, taken before its response starts and given back (once) when it ends.
   */
  public final class Admission {
    private final String workspaceId;
    private final AtomicBoolean released = new AtomicBoolean();

    private Admission(String workspaceId) {
      this.workspaceId = workspaceId;
    }

    public void release() {
      if (released.compareAndSet(false, true)) {
        admittedPerWorkspace.computeIfPresent(workspaceId, (ws, n) -> n <= 1 ? null : n - 1);
        admitted.decrementAndGet();
      }
    }
  }

  /**
   * Takes a place for a stream of the workspace.
   *
   * @throws ApiException 429 with {@code Retry-After}: {@code /problems/quota-exceeded} when the
   *     workspace has its quota of open streams, {@code /problems/too-many-requests} when this
   *     instance has its maximum
   */
  public Admission admit(String workspaceId) {
    if (admitted.incrementAndGet() > maxStreams) {
      admitted.decrementAndGet();
      throw ApiException.tooManyRequests(
          "this API instance serves its maximum of "
              + maxStreams
              + " open streams; retry later (another instance may have room)",
          RETRY_AFTER_SECONDS);
    }
    boolean[] taken = {false};
    admittedPerWorkspace.compute(
        workspaceId,
        (ws, n) -> {
          int open = n == null ? 0 : n;
          if (open >= maxPerWorkspace) {
            return n;
          }
          taken[0] = true;
          return open + 1;
        });
    if (!taken[0]) {
      admitted.decrementAndGet();
      quotaRefused.incrementAndGet();
      throw ApiException.quotaExceeded(
          "workspace '"
              + workspaceId
              + "' has its quota of "
              + maxPerWorkspace
              + " open streams on this API instance; close one or retry later",
          RETRY_AFTER_SECONDS);
    }
    return new Admission(workspaceId);
  }

  /** Creates a stream of {@code view} onto {@code out}, tracked until it ends. */
  public EventStream open(
      MissionView view, StreamEncoder encoder, jakarta.servlet.ServletOutputStream out) {
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

  /**
   * The NDJSON lines of the mission's events, shared by all its NDJSON streams on this instance.
   */
  MissionLines linesOf(MissionView view) {
    return lines.get(view, v -> new MissionLines());
  }

  public void closed(EventStream stream) {
    open.remove(stream);
  }

  /**
   * A stream's HTTP response, which completes when the server has completed it: {@link #close}
   * waits for it, so that a client sees its stream end, not its connection cut.
   */
  void respond(CompletableFuture<Void> response) {
    responses.add(response);
    response.whenComplete((ok, error) -> responses.remove(response));
  }

  public int openStreams() {
    return open.size();
  }

  /** The most streams any one workspace holds open on this instance now. */
  public int busiestWorkspace() {
    return admittedPerWorkspace.values().stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  /** Streams refused for a workspace's quota since the start. */
  public long quotaRefused() {
    return quotaRefused.get();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /**
   * Ends every open stream with its encoder's {@link StreamEncoder#shuttingDown} message, so that
   * clients know to resume elsewhere ({@link #SHUTDOWN_GRACE} for their connections to take it),
   * then stops the writers. A stream opened meanwhile gets the same message at once.
   */
  @Override
  public void close() {
    closing = true;
    heartbeats.shutdownNow();
    List<EventStream> streams = List.copyOf(open);
    streams.forEach(EventStream::shutDown);
    long deadline = System.nanoTime() + SHUTDOWN_GRACE.toNanos();
    try {
      CompletableFuture.allOf(
              streams.stream().map(EventStream::ended).toArray(CompletableFuture[]::new))
          .get(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new))
          .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // A client whose connection took nothing in time is cut off without the message.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    open.forEach(EventStream::abort);
    writers.shutdownNow();
  }
}
