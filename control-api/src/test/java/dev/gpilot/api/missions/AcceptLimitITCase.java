package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.ApiServer;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.TopicContents;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The accept path sheds load instead of queueing without bound: with the broker gone, the accepts
 * in flight wait for it, and every submission past the bound is answered at once with 503 and
 * {@code Retry-After}, nothing written; the waiting ones are accepted once the broker is back (or
 * refused whole if it took longer than the producer waits), and the topic holds exactly the
 * accepted ones.
 */
class AcceptLimitITCase {

  private static final String TOKEN = "accept-token";
  private static final int LIMIT = 3;

  @RegisterExtension
  static final ApiServer API =
      ApiServer.builder()
          .token(TOKEN, new Principal("default", "accepter"))
          .api(o -> o.withMaxAcceptsInFlight(LIMIT))
          .build();

  private static final KafkaTestBroker KAFKA = API.kafka();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static CompletableFuture<HttpResponse<String>> post(
      String path, String contentType, String body) {
    return HTTP.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + API.port() + path))
            .timeout(Duration.ofSeconds(90))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static CompletableFuture<HttpResponse<String>> submit(String mission) {
    return post("/api/v1/missions", "application/json", "{\"mission\":\"" + mission + "\"}");
  }

  /**
   * The API's gauge of missions handed to Kafka and not yet acknowledged, from {@code GET
   * /metrics}.
   */
  private static int acceptsInFlight() throws Exception {
    ApiClient.Response metrics = API.client(null).get("/metrics");
    return metrics
        .body()
        .lines()
        .filter(l -> l.startsWith("gpilot_accepts_in_flight "))
        .mapToInt(l -> (int) Double.parseDouble(l.substring(l.indexOf(' ') + 1)))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void pastTheBound_aSubmissionIs503WithRetryAfterAtOnce_andNothingOfItIsWritten()
      throws Exception {
    // The producer knows the topic's partitions before the broker goes.
    assertThat(submit("warm-up").get().statusCode()).isEqualTo(202);
    KAFKA.stopBroker();
    List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
    try {
      for (int i = 0; i < LIMIT; i++) {
        waiting.add(submit("waits-" + i));
      }
      for (int i = 0; i < 200 && acceptsInFlight() < LIMIT; i++) {
        Thread.sleep(50);
      }
      assertThat(acceptsInFlight()).isEqualTo(LIMIT);

      HttpResponse<String> more = submit("refused").get();
      assertThat(more.statusCode()).as(more.body()).isEqualTo(503);
      assertThat(more.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(more.headers().firstValue("Content-Type"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
      JsonNode problem = Json.mapper().readTree(more.body());
      assertThat(problem.get("type").asText()).isEqualTo("/problems/overloaded");
      assertThat(problem.get("status").asInt()).isEqualTo(503);
      assertThat(problem.get("detail").asText()).contains(String.valueOf(LIMIT));
      // A batch is refused as a whole, before any line is written.
      HttpResponse<String> batch =
          post(
                  "/api/v1/missions/batch",
                  "application/x-ndjson",
                  "{\"mission\":\"batch-a\"}\n{\"mission\":\"batch-b\"}\n")
              .get();
      assertThat(batch.statusCode()).as(batch.body()).isEqualTo(503);
      assertThat(Json.mapper().readTree(batch.body()).get("type").asText())
          .isEqualTo("/problems/overloaded");
      assertThat(waiting).noneMatch(CompletableFuture::isDone);
    } finally {
      KAFKA.startBroker();
    }

    // Each waiting accept ends one way or the other, never half: accepted (202) and on the topic
    // once the broker is
    // back, or — when the broker took longer to come back than the producer waits for it (10 s; a
    // loaded machine) —
    // refused with 503 unavailable and not on the topic.
    List<String> accepted = new ArrayList<>(List.of("warm-up"));
    for (int i = 0; i < waiting.size(); i++) {
      HttpResponse<String> done = waiting.get(i).get();
      if (done.statusCode() == 202) {
        accepted.add("waits-" + i);
      } else {
        assertThat(done.statusCode()).as(done.body()).isEqualTo(503);
        assertThat(Json.mapper().readTree(done.body()).get("type").asText())
            .isEqualTo("/problems/unavailable");
      }
    }
    // Once they are answered, the bound is free again.
    HttpResponse<String> after = submit("after").get();
    assertThat(after.statusCode()).as(after.body()).isEqualTo(202);
    accepted.add("after");
    assertThat(missionTexts()).containsExactlyInAnyOrderElementsOf(accepted);
  }

  /** The mission text of every record on the missions topic. */
  private static List<String> missionTexts() throws Exception {
    List<String> texts = new ArrayList<>();
    for (var record : TopicContents.readUntilQuiet(KAFKA.clientProperties(), Topics.MISSIONS)) {
      texts.add(Json.mapper().readTree(record.value()).get("mission").asText());
    }
    return texts;
  }
}
