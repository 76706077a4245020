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
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A client of one mission's AI SDK UI message stream as a browser's {@code useChat} with resume
 * runs it: it keeps every frame with an id, and when the connection ends before {@code data:
 * [DONE]} (an API restart, a cut) it reconnects with {@code Last-Event-ID} set to the last frame id
 * it got, until {@code [DONE]}. It never dedupes.
 */
public final class SseFollower extends StreamFollower {
  /** One frame as it came over the wire. */
  public record Frame(String id, String data) {}

  private final List<Frame> frames = new ArrayList<>();
  private final List<Long> frameTimes = new ArrayList<>();
  private int errorFrames;

  private SseFollower(HttpClient http, Function<String, URI> api, String token, String missionId) {
    super(http, api, token, missionId, "sse-");
  }

  public static SseFollower start(
      HttpClient http, Function<String, URI> api, String token, String missionId) {
    return started(new SseFollower(http, api, token, missionId));
  }

  /**
   * Reads a whole stream once, uncut, from the start: what a client that never lost its connection
   * gets.
   */
  public static List<Frame> replay(HttpClient http, URI uri, String token)
      throws IOException, InterruptedException {
    HttpResponse<InputStream> response =
        http.send(
            HttpRequest.newBuilder(uri)
                .timeout(Duration.ofMinutes(1))
                .header("Authorization", "Bearer " + token)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    List<Frame> frames = new ArrayList<>();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      if (response.statusCode() != 200) {
        throw new IOException("stream answered " + response.statusCode());
      }
      readFrames(lines, frame -> frames.add(frame) && !frame.data().equals("[DONE]"));
    }
    return frames;
  }

  private interface FrameSink {
    /**
     * @return false to stop reading
     */
    boolean accept(Frame frame);
  }

  private static void readFrames(BufferedReader lines, FrameSink sink) throws IOException {
    String id = null;
    StringBuilder data = null;
    String line;
    while ((line = lines.readLine()) != null) {
      if (line.startsWith("id:")) {
        id = line.substring(3).strip();
      } else if (line.startsWith("data:")) {
        String part = line.substring(5).strip();
        data = data == null ? new StringBuilder(part) : data.append('\n').append(part);
      } else if (line.isEmpty() && data != null) {
        boolean more = sink.accept(new Frame(id, data.toString()));
        id = null;
        data = null;
        if (!more) {
          return;
        }
      }
    }
  }

  @Override
  HttpRequest.Builder nextRequest() {
    String lastId = lastId();
    HttpRequest.Builder request = missionRequest("/stream");
    if (lastId != null) {
      request.header("Last-Event-ID", lastId);
    }
    return request;
  }

  @Override
  boolean read(BufferedReader lines) throws IOException {
    boolean[] finished = {false};
    readFrames(
        lines,
        frame -> {
          synchronized (this) {
            if (frame.data().equals("[DONE]")) {
              finished[0] = true;
              return false;
            }
            if (frame.id() == null) {
              // an error chunk before a cut: the client resumes from its last id
              errorFrames++;
            } else {
              frames.add(frame);
              frameTimes.add(System.currentTimeMillis());
            }
            return true;
          }
        });
    return finished[0];
  }

  private synchronized String lastId() {
    return frames.isEmpty() ? null : frames.get(frames.size() - 1).id();
  }

  /** Every frame with an id received, in order, duplicates included. */
  public synchronized List<Frame> frames() {
    return List.copyOf(frames);
  }

  /** When the first frame at or after {@code since} (epoch ms) arrived, or -1. */
  public synchronized long firstFrameAtOrAfter(long since) {
    return frameTimes.stream().filter(t -> t >= since).findFirst().orElse(-1L);
  }

  public synchronized int errorFrames() {
    return errorFrames;
  }

  public boolean awaitDone(Duration timeout) throws InterruptedException {
    return awaitEnd(timeout);
  }
}
