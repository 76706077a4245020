package dev.gpilot.api.stack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What {@link EventFollower} and {@link SseFollower} share: a thread that reads one mission's
 * stream and, when the connection ends before the stream's last event (an API restart, a refused
 * connection, an answer other than 200), waits a quarter second and connects again, resuming after
 * what it already has, until that last event arrives or it is closed.
 */
abstract class StreamFollower implements AutoCloseable {
  private final HttpClient http;
  private final Function<String, URI> api;
  private final String token;
  private final String missionId;
  private final CountDownLatch ended = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean closed;
  private int connections;

  StreamFollower(
      HttpClient http,
      Function<String, URI> api,
      String token,
      String missionId,
      String threadPrefix) {
    this.http = http;
    this.api = api;
    this.token = token;
    this.missionId = missionId;
    this.thread = new Thread(this::follow, threadPrefix + missionId);
    this.thread.setDaemon(true);
  }

  /** Starts {@code follower}'s thread (once it is fully built) and returns it. */
  static <F extends StreamFollower> F started(F follower) {
    ((StreamFollower) follower).thread.start();
    return follower;
  }

  /**
   * The next connection's request, resuming after what was received so far: see {@link
   * #missionRequest}.
   */
  abstract HttpRequest.Builder nextRequest();

  /**
   * Reads one connection's lines and keeps what they carry.
   *
   * @return true when the stream's last event arrived (then it does not reconnect)
   */
  abstract boolean read(BufferedReader lines) throws IOException;

  /** A GET of {@code /api/v1/missions/<id><suffix>} with the follower's token. */
  final HttpRequest.Builder missionRequest(String suffix) {
    return HttpRequest.newBuilder(api.apply("/api/v1/missions/" + missionId + suffix))
        .header("Authorization", "Bearer " + token)
        .GET();
  }

  private void follow() {
    while (!closed) {
      HttpRequest request = nextRequest().build();
      try {
        synchronized (this) {
          connections++;
        }
        HttpResponse<InputStream> response =
            http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines =
            new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
          if (response.statusCode() != 200) {
            pause();
            continue;
          }
          if (read(lines)) {
            ended.countDown();
            return;
          }
        }
      } catch (IOException e) {
        pause();
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void pause() {
    try {
      Thread.sleep(250);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  /** Waits for the stream's last event. */
  final boolean awaitEnd(Duration timeout) throws InterruptedException {
    return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** How many times it connected (1 when nothing cut its stream). */
  public synchronized int connections() {
    return connections;
  }

  public String missionId() {
    return missionId;
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
