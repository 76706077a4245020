package dev.gpilot.api.streams;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A plain SSE reader for tests: the frames of a stream as (id, data), exactly as they came over the
 * wire.
 */
public final class SseFrames {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** One frame: its {@code id:} (null if it had none) and its {@code data:}. */
  public record Frame(String id, String data) {}

  private SseFrames() {}

  /** Reads the whole stream, to its end. */
  public static List<Frame> read(String url, String token, String lastEventId) throws Exception {
    return read(url, token, lastEventId, f -> false);
  }

  /**
   * Reads until the stream ends or {@code stop} accepts a frame (that frame included), then
   * disconnects.
   */
  public static List<Frame> read(
      String url, String token, String lastEventId, Predicate<Frame> stop) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(60))
            .GET();
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<java.io.InputStream> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "stream answered "
              + response.statusCode()
              + ": "
              + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
    }
    List<Frame> frames = new ArrayList<>();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String id = null;
      String data = null;
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        } else if (line.isEmpty() && data != null) {
          Frame frame = new Frame(id, data);
          frames.add(frame);
          id = null;
          data = null;
          if (stop.test(frame)) {
            break;
          }
        }
      }
    }
    return frames;
  }
}
