package dev.gpilot.api.missions;

import static dev.gpilot.api.testing.StoredRows.awaitRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.jobs.LocalMissionJob;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.TopicOffsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An Idempotency-Key keeps its promise after its mission left the API's memory (a tiny cache here)
 * and the topics (records deleted, as retention does): the API asks ClickHouse, where the real
 * MissionJob stored the mission.
 */
class DurableIdempotencyITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static final String TOKEN = "test-token-default";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String BODY =
      "{\"mission\":\"Audit the checkout page\",\"config\":{\"explicitAgents\":"
          + "[\"ui-auditor\",\"seo-analyst\"],\"params\":{\"budget\":1.5,\"tags\":[\"q3\",7]}}}";
  private static final String OTHER_BODY = "{\"mission\":\"Audit the landing page\"}";

  private static JobClient job;
  private static ControlApi api;

  @BeforeAll
  static void startJob() throws Exception {
    Path checkpoints = Files.createTempDirectory("checkpoints");
    MissionJobOptions options =
        MissionJobOptions.of(KAFKA.bootstrapServers(), CLICKHOUSE.url(), CLICKHOUSE.database());
    job =
        LocalMissionJob.start(options, LocalMissionJob.localConfiguration(checkpoints, 2, 0, 1000));
    api = startApi(CLICKHOUSE.url());
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
    if (job != null) {
      job.cancel().get();
    }
  }

  /** An API that holds at most two missions in memory. */
  private static ControlApi startApi(String clickhouseUrl) throws Exception {
    return new ControlApi(
            new ApiOptions("127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 2, 2)
                .withClickHouse(clickhouseUrl, CLICKHOUSE.database()),
            TokenAuthenticator.of(Map.of(TOKEN, new Principal("default", "tester"))))
        .start();
  }

  private static HttpResponse<String> post(ControlApi to, String body, String key)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.port() + "/api/v1/missions"))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Idempotency-Key", key);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String missionId(HttpResponse<String> response) throws Exception {
    return Json.mapper().readTree(response.body()).get("missionId").asText();
  }

  private static long missionsOnTopic() throws Exception {
    return TopicOffsets.endOffsetSum(KAFKA.clientProperties(), Topics.MISSIONS);
  }

  /** Waits until the job has stored the mission's first event in ClickHouse. */
  private static void awaitStored(String missionId) throws Exception {
    awaitRows(
        CLICKHOUSE,
        Duration.ofSeconds(60),
        "SELECT seq FROM mission_events WHERE mission_id = '" + missionId + "' AND seq = 1",
        rows -> assertThat(rows).hasSize(1));
  }

  private static void assertReplayed(HttpResponse<String> response, String missionId)
      throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(missionId(response)).isEqualTo(missionId);
    assertThat(response.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(response.headers().firstValue("Location")).hasValue("/api/v1/missions/" + missionId);
  }

  private static void assertKeyReused(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    assertThat(Json.mapper().readTree(response.body()).get("type").asText())
        .isEqualTo("/problems/idempotency-key-reused");
  }

  @Test
  void keyOfAMissionEvictedFromMemory_sameBodyReplays_otherBodyIs422_andNothingIsWritten()
      throws Exception {
    HttpResponse<String> first = post(api, BODY, "evicted-1");
    assertThat(first.statusCode()).isEqualTo(202);
    String missionId = missionId(first);
    awaitStored(missionId);
    // Other missions push it out of the two-mission cache.
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(post(api, OTHER_BODY, null).statusCode()).isEqualTo(202);
              assertThat(api.holdsMission(missionId)).isFalse();
            });
    long written = missionsOnTopic();

    HttpResponse<String> retry = post(api, BODY, "evicted-1");
    HttpResponse<String> reused = post(api, OTHER_BODY, "evicted-1");

    assertReplayed(retry, missionId);
    assertKeyReused(reused);
    assertThat(missionsOnTopic()).as("records on the missions topic").isEqualTo(written);
  }

  @Test
  void keyOfAMissionGoneFromTheTopics_isStillKnownToANewInstance() throws Exception {
    HttpResponse<String> first = post(api, BODY, "retained-1");
    assertThat(first.statusCode()).isEqualTo(202);
    String missionId = missionId(first);
    awaitStored(missionId);
    // What 7-day retention does, at once, and a restart: no instance holds the mission any more.
    TopicOffsets.deleteAllRecords(
        KAFKA.clientProperties(), List.of(Topics.MISSIONS, Topics.MISSION_EVENTS));
    api.close();
    api = startApi(CLICKHOUSE.url());
    long written = missionsOnTopic();

    HttpResponse<String> retry = post(api, BODY, "retained-1");
    HttpResponse<String> reused = post(api, OTHER_BODY, "retained-1");

    assertReplayed(retry, missionId);
    assertKeyReused(reused);
    assertThat(missionsOnTopic()).as("records on the missions topic").isEqualTo(written);
    // A new key is a new mission, as ever.
    HttpResponse<String> fresh = post(api, BODY, "retained-2");
    assertThat(fresh.statusCode()).isEqualTo(202);
    assertThat(fresh.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(missionsOnTopic()).isEqualTo(written + 1);
  }

  @Test
  void keyNotInMemory_whileClickHouseIsUnreachable_is503WithRetryAfter_andNothingIsWritten()
      throws Exception {
    try (ControlApi blind = startApi("http://127.0.0.1:1")) {
      long written = missionsOnTopic();

      HttpResponse<String> response = post(blind, BODY, "unknown-while-down");

      assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
      assertThat(response.headers().firstValue("Retry-After"))
          .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
      JsonNode problem = Json.mapper().readTree(response.body());
      assertThat(problem.get("type").asText()).isEqualTo("/problems/unavailable");
      assertThat(missionsOnTopic()).isEqualTo(written);
      // Without a key nothing needs ClickHouse.
      assertThat(post(blind, OTHER_BODY, null).statusCode()).isEqualTo(202);
    }
  }
}
