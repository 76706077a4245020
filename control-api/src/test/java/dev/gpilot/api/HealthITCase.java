package dev.gpilot.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.streams.MissionEvents;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.KafkaTestBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /health} tells whether the API's feeds follow Kafka now, not only whether they did once at
 * start.
 */
class HealthITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();

  private static final String TOKEN = "test-token-default";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration STALE_AFTER = Duration.ofSeconds(2);

  private static HttpResponse<String> get(ControlApi api, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
            .header("Authorization", "Bearer " + TOKEN)
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void brokerGone_healthIs503WithinTheBound_andUpAgainOnceItIsBack() throws Exception {
    try (ControlApi api =
        new ControlApi(
                new ApiOptions(
                        "127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 10_000, 2)
                    .withFeedStaleAfter(STALE_AFTER),
                TokenAuthenticator.of(Map.of(TOKEN, new Principal("default", "tester"))))
            .start()) {
      // UP once the start has settled: on a loaded machine the first check can take longer than the
      // feeds' staleness bound (one red CI run at load average 33).
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                HttpResponse<String> up = get(api, "/health");
                assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
                assertThat(Json.mapper().readTree(up.body()).get("status").asText())
                    .isEqualTo("UP");
              });

      KAFKA.stopBroker();
      long stoppedAt = System.nanoTime();

      // Stale after STALE_AFTER; the check itself may take its 2 s timeout, and the test's poll 100
      // ms.
      await()
          .atMost(STALE_AFTER.plusSeconds(4))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                HttpResponse<String> down = get(api, "/health");
                assertThat(down.statusCode()).isEqualTo(503);
                JsonNode body = Json.mapper().readTree(down.body());
                assertThat(body.get("status").asText()).isEqualTo("DOWN");
                assertThat(body.at("/components/missionFeed/status").asText()).isEqualTo("DOWN");
                assertThat(body.at("/components/missionFeed/reason").asText())
                    .contains("caught up");
                assertThat(body.at("/components/kafka/status").asText()).isEqualTo("DOWN");
                assertThat(body.at("/components/kafka/reason").asText()).contains("did not answer");
              });
      assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt))
          .isLessThan(STALE_AFTER.plusSeconds(4));

      KAFKA.startBroker();

      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                HttpResponse<String> back = get(api, "/health");
                assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
                assertThat(Json.mapper().readTree(back.body()).get("status").asText())
                    .isEqualTo("UP");
              });
      // And the feed follows again: an event written now reaches the API.
      try (MissionEvents m = new MissionEvents(KAFKA.bootstrapServers(), "default")) {
        m.accepted("After the outage");
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .untilAsserted(
                () -> {
                  HttpResponse<String> mission = get(api, "/api/v1/missions/" + m.missionId());
                  assertThat(mission.statusCode()).isEqualTo(200);
                  assertThat(Json.mapper().readTree(mission.body()).get("status").asText())
                      .isEqualTo("PLANNING");
                });
      }
    }
  }
}
