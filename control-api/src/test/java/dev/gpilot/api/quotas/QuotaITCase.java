package dev.gpilot.api.quotas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.streams.MissionEvents;
import dev.gpilot.api.tenancy.TenancyOptions;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.vault.VaultOptions;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.KafkaTestBroker;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The per-workspace quotas over HTTP on a real broker: missions in flight (single and batch
 * submissions, freed by a final event, rebuilt by an API started afterwards) and open streams, each
 * 429 {@code quota-exceeded} with {@code Retry-After} past its bound, nothing written, and on
 * {@code /metrics}.
 */
class QuotaITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Map<String, Principal> TOKENS =
      Map.of("t-a", new Principal("a", "alice"), "t-b", new Principal("b", "bob"));

  private static ControlApi api(Path home, int missions) throws Exception {
    return new ControlApi(
            new ApiOptions("127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 10_000, 2)
                .withStreams(10_000, Duration.ofMillis(200))
                .withStreamLimits(2, 100),
            TokenAuthenticator.of(TOKENS),
            VaultOptions.localKeyset(home.resolve("vault/master-keyset.json").toString()),
            TenancyOptions.of(home.resolve("auth/key-hash-secret")))
        .withQuotas(QuotaOptions.defaults().withMissionsInFlight(missions))
        .start();
  }

  private static HttpResponse<String> post(
      ControlApi api, String path, String token, String type, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> submit(ControlApi api, String token, String text)
      throws Exception {
    return post(
        api, "/api/v1/missions", token, "application/json", "{\"mission\":\"" + text + "\"}");
  }

  private static void assertQuotaExceeded(
      int status, String contentType, String retryAfter, String body) throws Exception {
    assertThat(status).as(body).isEqualTo(429);
    assertThat(contentType).startsWith("application/problem+json");
    assertThat(Long.parseLong(retryAfter)).isPositive();
    JsonNode problem = Json.mapper().readTree(body);
    assertThat(problem.get("type").asText()).isEqualTo("/problems/quota-exceeded");
  }

  @Test
  void
      missionsInFlight_pastTheQuota_are429_perLineInABatch_freedByAFinalEvent_andRebuiltAfterARestart()
          throws Exception {
    Path home = Files.createTempDirectory("quota");
    List<String> accepted = new ArrayList<>();
    try (ControlApi api = api(home, 3)) {
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r = submit(api, "t-a", "m" + i);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        accepted.add(Json.mapper().readTree(r.body()).get("missionId").asText());
      }
      HttpResponse<String> refused = submit(api, "t-a", "one too many");
      assertQuotaExceeded(
          refused.statusCode(),
          refused.headers().firstValue("Content-Type").orElse(""),
          refused.headers().firstValue("Retry-After").orElse("0"),
          refused.body());
      assertThat(refused.body()).doesNotContain("missionId");
      assertThat(submit(api, "t-b", "another workspace").statusCode()).isEqualTo(202);

      HttpResponse<String> batch =
          post(
              api,
              "/api/v1/missions/batch",
              "t-a",
              "application/x-ndjson",
              "{\"mission\":\"x1\"}\n{\"mission\":\"x2\"}\n");
      assertThat(batch.statusCode()).isEqualTo(200);
      assertThat(batch.headers().firstValue("Gpilot-Accepted")).hasValue("0");
      assertThat(batch.headers().firstValue("Retry-After")).isPresent();
      for (String line : batch.body().strip().split("\n")) {
        JsonNode result = Json.mapper().readTree(line);
        assertThat(result.get("status").asInt()).isEqualTo(429);
        assertThat(result.get("type").asText()).isEqualTo("/problems/quota-exceeded");
      }
      assertThat(api.missionsInFlight("a")).isEqualTo(3);

      // The job finishes one: its place frees once the feed has read the final event.
      try (MissionEvents done = new MissionEvents(KAFKA.bootstrapServers(), "a", accepted.get(0))) {
        done.accepted("m0").missionEnd("mission.completed", "COMPLETED", null);
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(api.missionsInFlight("a")).isEqualTo(2));
      HttpResponse<String> batch2 =
          post(
              api,
              "/api/v1/missions/batch",
              "t-a",
              "application/x-ndjson",
              "{\"mission\":\"y1\"}\n{\"mission\":\"y2\"}\n");
      assertThat(batch2.headers().firstValue("Gpilot-Accepted")).hasValue("1");
      String[] lines = batch2.body().strip().split("\n");
      assertThat(Json.mapper().readTree(lines[0]).get("status").asInt()).isEqualTo(202);
      assertThat(Json.mapper().readTree(lines[1]).get("type").asText())
          .isEqualTo("/problems/quota-exceeded");

      String metrics = new ApiClient(api.port(), null).get("/metrics").body();
      assertThat(metrics)
          .contains("gpilot_quota_missions_in_flight 4.0")
          .contains("gpilot_quota_missions_in_flight_busiest 3.0")
          .containsPattern("gpilot_quota_refused\\{quota=\"missions\"\\} 4\\.0");
    }
    // A fresh instance reads the topics: the three unfinished missions of a count, the finished one
    // does not, and
    // nothing refused was written.
    try (ControlApi restarted = api(home, 3)) {
      assertThat(restarted.missionsInFlight("a")).isEqualTo(3);
      assertThat(restarted.missionsInFlight("b")).isEqualTo(1);
      HttpResponse<String> r = submit(restarted, "t-a", "still full");
      assertThat(r.statusCode()).isEqualTo(429);
    }
  }

  @Test
  void openStreams_pastTheWorkspaceQuota_are429QuotaExceeded() throws Exception {
    Path home = Files.createTempDirectory("quota-streams");
    try (ControlApi api = api(home, 100);
        MissionEvents m = new MissionEvents(KAFKA.bootstrapServers(), "b")) {
      m.accepted("watched").plan("s1:agent-scout").started("s1", "agent-scout", 1);
      String path = "/api/v1/missions/" + m.missionId();
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .untilAsserted(
              () ->
                  assertThat(
                          HTTP.send(
                                  HttpRequest.newBuilder(
                                          URI.create("http://127.0.0.1:" + api.port() + path))
                                      .header("Authorization", "Bearer t-b")
                                      .build(),
                                  HttpResponse.BodyHandlers.discarding())
                              .statusCode())
                      .isEqualTo(200));
      List<HttpResponse<InputStream>> open = new ArrayList<>();
      for (String suffix : List.of("/stream", "/events")) {
        HttpResponse<InputStream> s =
            HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path + suffix))
                    .header("Authorization", "Bearer t-b")
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(s.statusCode()).isEqualTo(200);
        open.add(s);
      }
      HttpResponse<String> third =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + api.port() + path + "/events"))
                  .header("Authorization", "Bearer t-b")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertQuotaExceeded(
          third.statusCode(),
          third.headers().firstValue("Content-Type").orElse(""),
          third.headers().firstValue("Retry-After").orElse("0"),
          third.body());
      String metrics = new ApiClient(api.port(), null).get("/metrics").body();
      assertThat(metrics)
          .contains("gpilot_quota_streams_busiest 2.0")
          .containsPattern("gpilot_quota_refused\\{quota=\"streams\"\\} 1\\.0");
      for (HttpResponse<InputStream> s : open) {
        s.body().close();
      }
    }
  }
}
