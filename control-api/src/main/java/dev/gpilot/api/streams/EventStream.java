package dev.gpilot.api.streams;

import dev.gpilot.api.missions.MissionView;
import dev.gpilot.contracts.events.MissionEvent;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's stream of one mission: it replays the mission's events after the client's position,
 * follows new ones, and ends after the final event. What the events become on the wire is the
 * {@link StreamEncoder}'s business.
 *
 * <p>Memory and threads at many clients: a stream holds no copy of events, only a cursor into the
 * mission's event log that the {@link MissionView} keeps once for all its streams, and at most one
 * batch of encoded bytes (about {@value #BATCH_BYTES} bytes) handed to the server. What an event
 * becomes on the wire is made once for all the mission's streams (the encoder's shared bytes): a
 * batch of one event, what a live stream writes, is handed to the server as a slice of those bytes,
 * not copied, so following a mission allocates next to nothing per event and stream. Writes are
 * non-blocking (Servlet {@link WriteListener}): a stream whose client does not read simply waits
 * for {@code onWritePossible} without holding a thread, on the small shared writer pool. The feed
 * thread only wakes streams up.
 *
 * <p>A client is too slow when its connection accepts nothing while the mission gets more than
 * {@code maxLag} events ahead of it: it stops following, gets the encoder's {@link
 * StreamEncoder#tooSlow} message when its connection drains, and is disconnected (the server's idle
 * timeout closes a connection that never drains).
 */
public final class EventStream implements MissionView.Listener, WriteListener {
  private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
  static final int BATCH_BYTES = 64 * 1024;
  private static final int BATCH_EVENTS = 512;
  // Where a writer thread joins a batch of several slices: one per writer, reused, so that such a
  // batch allocates only the array handed to the server (which may keep it until the write
  // completes). A buffer grown by a large replay is not kept.
  private static final ThreadLocal<ByteArrayOutputStream> BATCH =
      ThreadLocal.withInitial(() -> new ByteArrayOutputStream(8 * 1024));
  private static final byte[] NOTHING = new byte[0];
  // Where a writer thread reads a batch's events from the view: one per writer, reused (a drain
  // never runs another inside it), cleared after each batch so that it holds no event.
  private static final ThreadLocal<MissionEvent[]> EVENTS =
      ThreadLocal.withInitial(() -> new MissionEvent[BATCH_EVENTS]);

  private final MissionView view;
  private final StreamEncoder encoder;
  private final ServletOutputStream out;
  private final Executor writers;
  private final long maxLag;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final Runnable runner = this::run;
  private final Batch batch = new Batch();
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile boolean signalled;
  private volatile boolean heartbeatDue;
  private volatile boolean stalled;
  private volatile boolean writable;
  private volatile boolean tooSlow;
  private volatile boolean shuttingDown;
  private volatile long cursor;
  private volatile long lastWrite = System.nanoTime();
  // Touched only by the writer that holds `running`.
  private boolean endWritten;
  private boolean lastWordWritten;

  /**
   * @param out the response's output stream; the request must be in async mode
   * @param maxLag how many events a client whose connection is stalled may fall behind before it is
   *     disconnected
   */
  public EventStream(
      MissionView view,
      StreamEncoder encoder,
      ServletOutputStream out,
      Executor writers,
      long maxLag) {
    this.view = view;
    this.encoder = encoder;
    this.out = out;
    this.writers = writers;
    this.maxLag = maxLag;
    this.cursor = encoder.feedAfter();
  }

  /** Starts streaming; the future completes when the stream has ended, for whatever reason. */
  public CompletableFuture<Void> start() {
    // The server calls onWritePossible once the connection is writable, which starts the replay;
    // new events only
    // wake the stream up, it reads them from the view, so subscribing second misses nothing.
    out.setWriteListener(this);
    view.subscribe(this);
    return done;
  }

  public MissionView view() {
    return view;
  }

  /** Completes when the stream has ended, for whatever reason. */
  public CompletableFuture<Void> ended() {
    return done;
  }

  public boolean isDone() {
    return done.isDone();
  }

  /** Called by the feed thread for every new event of the mission: only wakes the stream up. */
  @Override
  public void onEvent(MissionEvent event) {
    if (stalled && !tooSlow && event.seq() - cursor > maxLag) {
      tooSlow = true;
      view.unsubscribe(this);
    }
    schedule();
  }

  /**
   * Asks for an SSE comment (or blank line) if nothing was written for {@code intervalNanos}, so
   * that an idle connection stays open through proxies.
   */
  public void heartbeatIfIdle(long nowNanos, long intervalNanos) {
    if (nowNanos - lastWrite >= intervalNanos) {
      heartbeatDue = true;
      schedule();
    }
  }

  @Override
  public void onWritePossible() {
    writable = true;
    schedule();
  }

  @Override
  public void onError(Throwable t) {
    LOG.debug("stream of mission {} closed: {}", view.missionId(), t.toString());
    finish();
  }

  /**
   * Ends the stream because this instance stops: the client gets the encoder's {@link
   * StreamEncoder#shuttingDown} message (where to resume) once its connection takes it, unless the
   * stream has already ended.
   */
  public void shutDown() {
    shuttingDown = true;
    view.unsubscribe(this);
    schedule();
  }

  /** Marks a stream that has not started yet to end, when it starts, as {@link #shutDown} does. */
  void shutDownOnStart() {
    shuttingDown = true;
  }

  /**
   * Stops the stream at once, whatever it has written (a connection that took nothing within the
   * grace time).
   */
  public void abort() {
    finish();
  }

  private void schedule() {
    signalled = true;
    if (!done.isDone() && running.compareAndSet(false, true)) {
      try {
        writers.execute(runner);
      } catch (RuntimeException e) {
        running.set(false);
        finish();
      }
    }
  }

  private void run() {
    try {
      do {
        signalled = false;
        if (!drain()) {
          break;
        }
      } while (signalled && !done.isDone());
    } catch (IOException | RuntimeException e) {
      LOG.debug("stream of mission {} closed: {}", view.missionId(), e.toString());
      finish();
    } finally {
      running.set(false);
    }
    // A wake-up between the last drain and releasing `running` would otherwise be lost: a new event
    // (unless the
    // connection is stalled, when onWritePossible will follow), or onWritePossible itself, which
    // the server may
    // call as soon as isReady() has returned false, before this run has ended.
    if (!done.isDone() && (writable || (signalled && !stalled))) {
      schedule();
    }
  }

  /**
   * Writes what is due while the connection takes it.
   *
   * @return false when waiting for the connection ({@code onWritePossible} resumes) or when the
   *     stream ended
   */
  private boolean drain() throws IOException {
    while (!done.isDone()) {
      writable = false; // taken: isReady() now says whether writing is possible
      if (!out.isReady()) {
        stalled = true;
        return false;
      }
      stalled = false;
      if (endWritten || lastWordWritten) {
        // Everything was handed over and the connection has taken it: the response can complete.
        finish();
        return false;
      }
      if (shuttingDown) {
        write(encoder.shuttingDown());
        lastWordWritten = true;
        continue;
      }
      if (tooSlow) {
        write(encoder.tooSlow(view.lastSeq() - cursor));
        lastWordWritten = true;
        LOG.info(
            "disconnecting a stream of mission {}: more than {} events behind",
            view.missionId(),
            maxLag);
        continue;
      }
      // Read before the batch: finished then means the final event is at or before what the batch
      // starts after.
      boolean finished = view.finished();
      MissionEvent[] events = EVENTS.get();
      int count = view.eventsAfter(cursor, events);
      if (count == 0) {
        if (finished) {
          // The client resumed at or after the final event: nothing follows it but the end.
          write(encoder.end());
          endWritten = true;
          continue;
        }
        if (heartbeatDue) {
          heartbeatDue = false;
          write(encoder.heartbeat());
          continue;
        }
        return true;
      }
      batch.reset();
      try {
        for (int i = 0; i < count; i++) {
          MissionEvent e = events[i];
          encoder.encode(e, batch);
          cursor = e.seq();
          if (e.isFinal()) {
            batch.write(encoder.end());
            endWritten = true;
            break;
          }
          if (batch.size >= BATCH_BYTES) {
            break;
          }
        }
      } finally {
        Arrays.fill(events, 0, count, null);
      }
      heartbeatDue = false;
      batch.writeTo(this);
    }
    return false;
  }

  /**
   * One drain's bytes. A single slice (one event's, as the mission's streams share it) is handed to
   * the server as it is: nobody writes to those arrays again. Several are joined in the writer's
   * buffer and copied once. Used only by the writer that holds {@code running}.
   */
  private static final class Batch implements StreamEncoder.Wire {
    private byte[] first;
    private int offset;
    private int length;
    private ByteArrayOutputStream joined;
    int size;

    void reset() {
      first = null;
      joined = null;
      size = 0;
    }

    @Override
    public void write(byte[] bytes, int off, int len) {
      if (len == 0) {
        return;
      }
      size += len;
      if (joined == null && first == null) {
        first = bytes;
        offset = off;
        length = len;
        return;
      }
      if (joined == null) {
        joined = BATCH.get();
        joined.reset();
        joined.write(first, offset, length);
        first = null;
      }
      joined.write(bytes, off, len);
    }

    void writeTo(EventStream stream) throws IOException {
      if (joined == null) {
        byte[] slice = first;
        first = null; // not kept past the write: the stream holds no bytes between batches
        if (slice == null) {
          stream.write(NOTHING, 0, 0);
        } else {
          stream.write(slice, offset, length);
        }
        return;
      }
      byte[] wire = joined.toByteArray();
      if (joined.size() > 2 * BATCH_BYTES) {
        BATCH.remove();
      }
      joined = null;
      stream.write(wire, 0, wire.length);
    }
  }

  /**
   * Hands bytes to the server and flushes them, without blocking: isReady() turns false while they
   * are pending.
   */
  private void write(byte[] bytes) throws IOException {
    write(bytes, 0, bytes.length);
  }

  private void write(byte[] bytes, int offset, int length) throws IOException {
    lastWrite = System.nanoTime();
    if (length > 0) {
      out.write(bytes, offset, length);
    }
    if (out.isReady()) {
      out.flush();
    }
  }

  private void finish() {
    view.unsubscribe(this);
    done.complete(null);
  }
}
