package dev.gpilot.api.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.KafkaTestBroker;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Open streams are bounded per workspace and per instance; past a bound a client gets 429 and when
 * to retry.
 */
class StreamLimitsITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();

  private static final String TOKEN_A = "token-a";
  private static final String TOKEN_B = "token-b";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static HttpResponse<InputStream> open(
      ControlApi api, String token, String missionId, boolean ndjson) throws Exception {
    String path = "/api/v1/missions/" + missionId + (ndjson ? "/events" : "/stream");
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
            .header("Authorization", "Bearer " + token)
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofInputStream());
  }

  private static int status(ControlApi api, String token, String missionId) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + api.port() + "/api/v1/missions/" + missionId))
                .header("Authorization", "Bearer " + token)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static void assertTooMany(HttpResponse<InputStream> response, String type)
      throws Exception {
    if (response.statusCode() != 429) {
      response.body().close(); // an admitted stream would never end
    }
    assertThat(response.statusCode()).isEqualTo(429);
    String body = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    assertThat(response.headers().firstValue("Retry-After"))
        .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
    JsonNode problem = Json.mapper().readTree(body);
    assertThat(problem.get("type").asText()).isEqualTo(type);
    assertThat(problem.get("detail").asText()).contains("open streams");
  }

  @Test
  void streamsPastTheWorkspaceOrInstanceBound_get429WithRetryAfter_andASlotFreesWhenAClientLeaves()
      throws Exception {
    try (ControlApi api =
            new ControlApi(
                    new ApiOptions(
                            "127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 10_000, 2)
                        .withStreams(10_000, Duration.ofMillis(200))
                        .withStreamLimits(2, 3),
                    TokenAuthenticator.of(
                        Map.of(
                            TOKEN_A,
                            new Principal("a", "alice"),
                            TOKEN_B,
                            new Principal("b", "bob"))))
                .start();
        MissionEvents a = new MissionEvents(KAFKA.bootstrapServers(), "a");
        MissionEvents b = new MissionEvents(KAFKA.bootstrapServers(), "b")) {
      a.accepted("Mission of a").plan("s1:agent-scout").started("s1", "agent-scout", 1);
      b.accepted("Mission of b").plan("s1:agent-scout").started("s1", "agent-scout", 1);
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                assertThat(status(api, TOKEN_A, a.missionId())).isEqualTo(200);
                assertThat(status(api, TOKEN_B, b.missionId())).isEqualTo(200);
              });

      HttpResponse<InputStream> a1 = open(api, TOKEN_A, a.missionId(), false);
      HttpResponse<InputStream> a2 = open(api, TOKEN_A, a.missionId(), true);
      assertThat(a1.statusCode()).isEqualTo(200);
      assertThat(a2.statusCode()).isEqualTo(200);

      // The workspace's quota (SPEC.md section 11), then the instance's own bound.
      assertTooMany(open(api, TOKEN_A, a.missionId(), false), "/problems/quota-exceeded");
      HttpResponse<InputStream> b1 = open(api, TOKEN_B, b.missionId(), false);
      assertThat(b1.statusCode()).as("another workspace has its own bound").isEqualTo(200);
      assertTooMany(open(api, TOKEN_B, b.missionId(), true), "/problems/too-many-requests");
      assertThat(api.openStreams()).isEqualTo(3);

      a1.body().close(); // the client leaves; the next heartbeat finds the connection gone

      await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                HttpResponse<InputStream> again = open(api, TOKEN_A, a.missionId(), false);
                assertThat(again.statusCode()).isEqualTo(200);
                again.body().close();
              });
      a2.body().close();
      b1.body().close();
    }
  }
}
