package dev.gpilot.api.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
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
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A client of one mission's NDJSON stream as an integration writes it: it keeps every event it
 * receives, and when the connection ends before the mission's final event (an API restart, a
 * refused connection) it reconnects with {@code ?after=<last seq>} until the final event arrives (a
 * {@code stream.error} line, which an API sends before it cuts a stream, is not an event). It never
 * dedupes: what it keeps is what the API sent.
 */
public final class EventFollower implements AutoCloseable {
  private static final Set<String> FINAL =
      Set.of(
          "mission.completed",
          "mission.failed",
          "mission.cancelled",
          "mission.timed_out",
          "mission.budget_exceeded");

  private final HttpClient http;
  private final Function<String, URI> api;
  private final String token;
  private final String missionId;
  private final List<JsonNode> events = new ArrayList<>();
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean closed;
  private int connections;

  private EventFollower(
      HttpClient http, Function<String, URI> api, String token, String missionId) {
    this.http = http;
    this.api = api;
    this.token = token;
    this.missionId = missionId;
    this.thread = new Thread(this::follow, "follow-" + missionId);
    this.thread.setDaemon(true);
  }

  /** Starts following {@code missionId} on a thread of its own. */
  public static EventFollower start(
      HttpClient http, Function<String, URI> api, String token, String missionId) {
    EventFollower follower = new EventFollower(http, api, token, missionId);
    follower.thread.start();
    return follower;
  }

  private void follow() {
    while (!closed) {
      long after = lastSeq();
      try {
        synchronized (this) {
          connections++;
        }
        HttpResponse<InputStream> response =
            http.send(
                HttpRequest.newBuilder(
                        api.apply(
                            "/api/v1/missions/"
                                + missionId
                                + "/events"
                                + (after > 0 ? "?after=" + after : "")))
                    .header("Authorization", "Bearer " + token)
                    .header("Accept", "application/x-ndjson")
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
          response.body().close();
          pause();
          continue;
        }
        try (BufferedReader lines =
            new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = lines.readLine()) != null) {
            if (line.isBlank()) {
              continue;
            }
            JsonNode event = Json.mapper().readTree(line);
            if (event.path("type").asText().equals("stream.error")) {
              break; // the stream's last line when it is cut (SPEC §9): resume after the last event
              // received
            }
            synchronized (this) {
              events.add(event);
            }
            if (FINAL.contains(event.path("type").asText())) {
              finished.countDown();
              return;
            }
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

  /** The highest seq received so far (0 before any). */
  public synchronized long lastSeq() {
    return events.isEmpty() ? 0 : events.get(events.size() - 1).path("seq").asLong();
  }

  /** Every event received, in the order received, duplicates included. */
  public synchronized List<JsonNode> events() {
    return List.copyOf(events);
  }

  /** How many times it connected (1 when nothing cut its stream). */
  public synchronized int connections() {
    return connections;
  }

  public String missionId() {
    return missionId;
  }

  /**
   * Waits up to two minutes for every follower of {@code wave} to have received an event of one of
   * the steps {@code stepIds}.
   */
  public static void awaitStepEvents(List<EventFollower> wave, String... stepIds) {
    await()
        .atMost(Duration.ofSeconds(120))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(wave)
                    .allSatisfy(
                        f ->
                            assertThat(f.events())
                                .anySatisfy(
                                    e -> assertThat(e.path("stepId").asText()).isIn(stepIds))));
  }

  /** Waits for the mission's final event. */
  public boolean awaitFinal(Duration timeout) throws InterruptedException {
    return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
