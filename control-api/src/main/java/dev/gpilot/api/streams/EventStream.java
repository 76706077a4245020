package dev.gpilot.api.streams;

import dev.gpilot.api.missions.MissionView;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.JsonCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's stream of one mission's events as Server-Sent Events: {@code id: <seq>} and {@code data: <event>}
 * per frame. It replays the events after the client's last seq, follows new ones, and ends after the mission's
 * final event.
 *
 * <p>Events wait in a bounded queue and are written by a shared writer pool, never by the feed thread, so a slow
 * client cannot slow the others; one that falls more than {@code capacity} events behind is told so and
 * disconnected.
 */
public final class EventStream implements MissionView.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
  private static final JsonCodec<MissionEvent> CODEC = JsonCodec.of(MissionEvent.class);

  private final MissionView view;
  private final OutputStream out;
  private final Executor writers;
  private final BlockingQueue<MissionEvent> queue;
  private final AtomicBoolean draining = new AtomicBoolean();
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private volatile boolean overflowed;
  private volatile boolean heartbeatDue;

  public EventStream(MissionView view, OutputStream out, Executor writers, int capacity) {
    this.view = view;
    this.out = out;
    this.writers = writers;
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  /** Starts streaming the events after {@code afterSeq}; the future completes when the stream has ended. */
  public CompletableFuture<Void> start(long afterSeq) {
    List<MissionEvent> backlog = view.subscribe(afterSeq, this);
    for (MissionEvent e : backlog) {
      enqueue(e);
    }
    schedule();
    return done;
  }

  @Override
  public void onEvent(MissionEvent event) {
    enqueue(event);
    schedule();
  }

  /** Asks for an SSE comment to keep an idle connection open through proxies. */
  public void heartbeat() {
    heartbeatDue = true;
    schedule();
  }

  public boolean isDone() {
    return done.isDone();
  }

  private void enqueue(MissionEvent event) {
    if (!queue.offer(event)) {
      overflowed = true;
    }
  }

  private void schedule() {
    if (!done.isDone() && draining.compareAndSet(false, true)) {
      writers.execute(this::drain);
    }
  }

  /** Runs on one writer thread at a time (guarded by {@code draining}). */
  private void drain() {
    try {
      if (overflowed) {
        write(": too slow: more than " + (queue.size()) + " events behind, disconnecting\n\n");
        finish();
        return;
      }
      MissionEvent event;
      boolean wrote = false;
      while ((event = queue.poll()) != null) {
        write("id: " + event.seq() + "\ndata: " + CODEC.encodeToString(event) + "\n\n");
        wrote = true;
        if (event.isFinal()) {
          out.flush();
          finish();
          return;
        }
      }
      if (heartbeatDue) {
        heartbeatDue = false;
        write(": heartbeat\n\n");
        wrote = true;
      }
      if (wrote) {
        out.flush();
      }
    } catch (IOException e) {
      LOG.debug("stream of mission {} closed by the client: {}", view.missionId(), e.toString());
      finish();
      return;
    } finally {
      draining.set(false);
    }
    // An event may have arrived after the last poll but before draining was released.
    if (!queue.isEmpty() || overflowed) {
      schedule();
    }
  }

  private void write(String frame) throws IOException {
    out.write(frame.getBytes(StandardCharsets.UTF_8));
  }

  private void finish() {
    view.unsubscribe(this);
    done.complete(null);
  }
}
