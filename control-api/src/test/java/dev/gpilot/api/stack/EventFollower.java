package dev.gpilot.api.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A client of one mission's NDJSON stream as an integration writes it: it keeps every event it
 * receives, and when the connection ends before the mission's final event (an API restart, a
 * refused connection) it reconnects with {@code ?after=<last seq>} until the final event arrives (a
 * {@code stream.error} line, which an API sends before it cuts a stream, is not an event). It never
 * dedupes: what it keeps is what the API sent.
 */
public final class EventFollower extends StreamFollower {
  private static final Set<String> FINAL =
      Set.of(
          "mission.completed",
          "mission.failed",
          "mission.cancelled",
          "mission.timed_out",
          "mission.budget_exceeded");

  private final List<JsonNode> events = new ArrayList<>();

  private EventFollower(
      HttpClient http, Function<String, URI> api, String token, String missionId) {
    super(http, api, token, missionId, "follow-");
  }

  /** Starts following {@code missionId} on a thread of its own. */
  public static EventFollower start(
      HttpClient http, Function<String, URI> api, String token, String missionId) {
    return started(new EventFollower(http, api, token, missionId));
  }

  @Override
  HttpRequest.Builder nextRequest() {
    long after = lastSeq();
    return missionRequest("/events" + (after > 0 ? "?after=" + after : ""))
        .header("Accept", "application/x-ndjson");
  }

  @Override
  boolean read(BufferedReader lines) throws IOException {
    String line;
    while ((line = lines.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode event = Json.mapper().readTree(line);
      if (event.path("type").asText().equals("stream.error")) {
        // the stream's last line when it is cut (SPEC §9): resume after the last event received
        return false;
      }
      synchronized (this) {
        events.add(event);
      }
      if (FINAL.contains(event.path("type").asText())) {
        return true;
      }
    }
    return false;
  }

  /** The highest seq received so far (0 before any). */
  public synchronized long lastSeq() {
    return events.isEmpty() ? 0 : events.get(events.size() - 1).path("seq").asLong();
  }

  /** Every event received, in the order received, duplicates included. */
  public synchronized List<JsonNode> events() {
    return List.copyOf(events);
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
    return awaitEnd(timeout);
  }
}
