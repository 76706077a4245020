package dev.gpilot.api;

import static dev.gpilot.api.testing.StoredRows.awaitRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.MissionStack;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.Schemas;
import dev.gpilot.testing.TopicOffsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole path on real parts: HTTP → control API → Kafka → MissionJob on a Flink MiniCluster →
 * Kafka → the API's stream, plus the mission summary in ClickHouse. Asserts what a client sees.
 */
class MissionPathITCase {
  private static final String TOKEN = "test-token-default";
  private static final String OTHER_TOKEN = "test-token-other";

  @RegisterExtension
  static final MissionStack STACK =
      MissionStack.builder()
          .token(TOKEN, new Principal("default", "tester"))
          .token(OTHER_TOKEN, new Principal("other", "intruder"))
          .build();

  private static final KafkaTestBroker KAFKA = STACK.kafka();
  private static final ClickHouseTestServer CLICKHOUSE = STACK.clickhouse();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static final ApiClient api = STACK.client(TOKEN);

  private static ApiClient.Response post(
      String path, String body, String token, Map<String, String> headers) throws Exception {
    return api.as(token).send("POST", path, "application/json", body, headers);
  }

  private static ApiClient.Response get(String path, String token) throws Exception {
    return api.as(token).get(path);
  }

  /** Reads an SSE stream to its end, returning the frames' (id, data) pairs. */
  private static List<String[]> readStream(String path, String lastEventId) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(api.url(path)))
            .header("Authorization", "Bearer " + TOKEN)
            .timeout(Duration.ofSeconds(60))
            .GET();
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<Stream<String>> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    List<String[]> frames = new ArrayList<>();
    String id = null;
    try (Stream<String> lines = response.body()) {
      Iterator<String> it = lines.iterator();
      while (it.hasNext()) {
        String line = it.next();
        if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          frames.add(new String[] {id, line.substring(6)});
        }
      }
    }
    return frames;
  }

  /** Reads the NDJSON events of a mission to their end, after {@code after} when given. */
  private static List<JsonNode> readEvents(String missionId, String after) throws Exception {
    String path =
        "/api/v1/missions/" + missionId + "/events" + (after == null ? "" : "?after=" + after);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api.url(path)))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Accept", "application/x-ndjson")
            .timeout(Duration.ofSeconds(60))
            .GET()
            .build();
    HttpResponse<Stream<String>> response = HTTP.send(request, HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/x-ndjson");
    List<JsonNode> events = new ArrayList<>();
    try (Stream<String> lines = response.body()) {
      for (String line : (Iterable<String>) lines::iterator) {
        if (!line.isBlank()) {
          events.add(json(line));
        }
      }
    }
    return events;
  }

  private static JsonNode json(String text) throws Exception {
    return Json.mapper().readTree(text);
  }

  private static long missionsOnTopic() throws Exception {
    return TopicOffsets.endOffsetSum(KAFKA.clientProperties(), Topics.MISSIONS);
  }

  @Test
  void submittedMission_streamsItsEventsInOrder_andFinishes() throws Exception {
    ApiClient.Response accepted =
        post(
            "/api/v1/missions",
            "{\"mission\":\"Launch the autumn collection\",\"config\":{\"explicitAgents\":"
                + "[\"agent-scout\",\"content-orchestrator\",\"independent-verifier\"]}}",
            TOKEN,
            Map.of());

    assertThat(accepted.status()).isEqualTo(202);
    JsonNode body = json(accepted.body());
    String missionId = body.get("missionId").asText();
    assertThat(body.get("status").asText()).isEqualTo("SUBMITTED");
    assertThat(body.at("/links/self").asText()).isEqualTo("/api/v1/missions/" + missionId);
    assertThat(body.at("/links/stream").asText())
        .isEqualTo("/api/v1/missions/" + missionId + "/stream");

    List<JsonNode> events = readEvents(missionId, null);
    assertThat(events)
        .extracting(e -> e.get("type").asText())
        .containsExactly(
            EventTypes.MISSION_ACCEPTED,
            EventTypes.PLAN_READY,
            EventTypes.STEP_READY,
            EventTypes.STEP_STARTED,
            EventTypes.STEP_COMPLETED,
            EventTypes.STEP_READY,
            EventTypes.STEP_STARTED,
            EventTypes.STEP_COMPLETED,
            EventTypes.STEP_READY,
            EventTypes.STEP_STARTED,
            EventTypes.STEP_COMPLETED,
            EventTypes.MISSION_COMPLETED);
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).get("seq").asLong()).isEqualTo(i + 1);
      assertThat(events.get(i).get("workspaceId").asText()).isEqualTo("default");
      assertThat(events.get(i).get("missionId").asText()).isEqualTo(missionId);
      assertThat(Schemas.problems("mission-event.v1", events.get(i))).isEmpty();
    }
    assertThat(
            events.stream()
                .filter(e -> e.has("agent"))
                .map(e -> e.get("agent").asText())
                .distinct())
        .containsExactly("agent-scout", "content-orchestrator", "independent-verifier");

    JsonNode mission = json(get("/api/v1/missions/" + missionId, TOKEN).body());
    assertThat(mission.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(mission.get("workspaceId").asText()).isEqualTo("default");
    assertThat(mission.get("steps")).hasSize(3);
    mission
        .get("steps")
        .forEach(step -> assertThat(step.get("status").asText()).isEqualTo("SUCCEEDED"));
    assertThat(mission.get("steps").get(0).get("agent").asText()).isEqualTo("agent-scout");

    // A client that connects after the mission finished still gets all of it, and a resume
    // continues after its seq.
    assertThat(readEvents(missionId, null)).hasSize(12);
    assertThat(readEvents(missionId, "9"))
        .extracting(e -> e.get("seq").asLong())
        .containsExactly(10L, 11L, 12L);
    // The UI message stream of the same mission ends with the protocol's terminator (its content:
    // UiMessageStreamITCase).
    List<String[]> frames = readStream("/api/v1/missions/" + missionId + "/stream", null);
    assertThat(json(frames.get(0)[1]).get("type").asText()).isEqualTo("start");
    assertThat(frames.get(frames.size() - 1)[1]).isEqualTo("[DONE]");

    awaitRows(
        CLICKHOUSE,
        Duration.ofSeconds(30),
        "SELECT status, workspace_id, steps_succeeded FROM missions FINAL WHERE mission_id = '"
            + missionId
            + "'",
        rows -> {
          assertThat(rows)
              .singleElement()
              .satisfies(
                  row -> {
                    assertThat(row.get("status").asText()).isEqualTo("COMPLETED");
                    assertThat(row.get("workspace_id").asText()).isEqualTo("default");
                    assertThat(row.get("steps_succeeded").asInt()).isEqualTo(3);
                  });
        });
  }

  @Test
  void idempotencyKey_retriedPost_returnsTheSameMission_andWritesNothingNew() throws Exception {
    String body =
        "{\"mission\":\"Audit the checkout page\",\"config\":{\"explicitAgents\":[\"ui-auditor\"]}}";
    Map<String, String> key = Map.of("Idempotency-Key", "retry-me-1");
    ApiClient.Response first = post("/api/v1/missions", body, TOKEN, key);
    assertThat(first.status()).isEqualTo(202);
    long written = missionsOnTopic();

    ApiClient.Response retry = post("/api/v1/missions", body, TOKEN, key);

    assertThat(retry.status()).isEqualTo(202);
    assertThat(json(retry.body()).get("missionId").asText())
        .isEqualTo(json(first.body()).get("missionId").asText());
    assertThat(missionsOnTopic()).isEqualTo(written);

    ApiClient.Response reused =
        post("/api/v1/missions", "{\"mission\":\"something else\"}", TOKEN, key);
    assertThat(reused.status()).isEqualTo(422);
    assertThat(json(reused.body()).get("type").asText())
        .isEqualTo("/problems/idempotency-key-reused");
    assertThat(missionsOnTopic()).isEqualTo(written);
  }

  @Test
  void badInput_getsAProblem_andNothingIsWritten() throws Exception {
    long before = missionsOnTopic();
    Map<String, Integer> cases = new java.util.LinkedHashMap<>();
    cases.put("{not json", 400);
    cases.put("{}", 400);
    cases.put("{\"mission\":\"   \"}", 400);
    cases.put("{\"mission\":42}", 400);
    cases.put("{\"mission\":\"x\",\"config\":{\"explicitAgents\":\"agent-scout\"}}", 400);
    cases.put("{\"mission\":\"x\",\"config\":{\"explicitAgents\":[7]}}", 400);
    cases.put("[\"mission\"]", 400);
    cases.put("{\"mission\":\"" + "a".repeat(300 * 1024) + "\"}", 400);
    for (Map.Entry<String, Integer> c : cases.entrySet()) {
      ApiClient.Response response = post("/api/v1/missions", c.getKey(), TOKEN, Map.of());
      String label = c.getKey().length() > 60 ? c.getKey().substring(0, 60) : c.getKey();
      assertThat(response.status()).as(label).isEqualTo(c.getValue());
      assertThat(response.headers().firstValue("content-type"))
          .as(label)
          .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
      JsonNode problem = json(response.body());
      assertThat(problem.get("status").asInt()).isEqualTo(c.getValue());
      assertThat(problem.get("type").asText()).isNotBlank();
      assertThat(problem.get("title").asText()).isNotBlank();
      assertThat(problem.get("detail").asText()).as(label).isNotBlank();
    }

    assertThat(post("/api/v1/missions", "{\"mission\":\"x\"}", null, Map.of()).status())
        .isEqualTo(401);
    ApiClient.Response wrongToken =
        post("/api/v1/missions", "{\"mission\":\"x\"}", "nope", Map.of());
    assertThat(wrongToken.status()).isEqualTo(401);
    assertThat(json(wrongToken.body()).get("detail").asText()).doesNotContain("nope");

    ApiClient.Response unknown = get("/api/v1/missions/does-not-exist", TOKEN);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(json(unknown.body()).get("type").asText()).isEqualTo("/problems/not-found");
    assertThat(get("/api/v1/missions/does-not-exist/stream", TOKEN).status()).isEqualTo(404);

    assertThat(missionsOnTopic()).isEqualTo(before);
  }

  @Test
  void anotherWorkspace_cannotSeeTheMission() throws Exception {
    ApiClient.Response accepted =
        post("/api/v1/missions", "{\"mission\":\"private\"}", TOKEN, Map.of());
    String missionId = json(accepted.body()).get("missionId").asText();

    assertThat(get("/api/v1/missions/" + missionId, OTHER_TOKEN).status()).isEqualTo(404);
    assertThat(get("/api/v1/missions/" + missionId + "/stream", OTHER_TOKEN).status())
        .isEqualTo(404);
    assertThat(get("/api/v1/missions/" + missionId, TOKEN).status()).isEqualTo(200);
  }

  @Test
  void recordsOnTheTopics_matchTheirPublishedSchemas() throws Exception {
    ApiClient.Response accepted =
        post("/api/v1/missions", "{\"mission\":\"schema check\"}", TOKEN, Map.of());
    String missionId = json(accepted.body()).get("missionId").asText();
    readStream("/api/v1/missions/" + missionId + "/stream", null);

    Properties props = KAFKA.clientProperties();
    props.put("group.id", "schema-check");
    props.put("auto.offset.reset", "earliest");
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(Topics.MISSIONS, Topics.MISSION_EVENTS, Topics.STEP_RESULTS));
      Map<String, String> schemaOf =
          Map.of(
              Topics.MISSIONS,
              "mission-submitted.v1",
              Topics.MISSION_EVENTS,
              "mission-event.v1",
              Topics.STEP_RESULTS,
              "step-result.v1");
      java.util.Set<String> seen = new java.util.HashSet<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (seen.size() < 3 && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          JsonNode value = json(record.value());
          assertThat(Schemas.problems(schemaOf.get(record.topic()), value))
              .as(record.topic())
              .isEmpty();
          assertThat(value.get("workspaceId").asText()).isNotBlank();
          assertThat(record.key()).isEqualTo(value.get("missionId").asText());
          seen.add(record.topic());
        }
      }
      assertThat(seen)
          .containsExactlyInAnyOrder(Topics.MISSIONS, Topics.MISSION_EVENTS, Topics.STEP_RESULTS);
    }
  }

  private static List<JsonNode> streamEvents(String missionId) throws Exception {
    return readEvents(missionId, null);
  }

  private static List<String> typesOf(List<JsonNode> events) {
    return events.stream()
        .map(e -> e.get("type").asText() + (e.has("stepId") ? ":" + e.get("stepId").asText() : ""))
        .toList();
  }

  private static String diamond(int seoScore) {
    return "{\"mission\":\"Launch the spring line\",\"config\":{\"plan\":{\"steps\":["
        + "{\"id\":\"scout\",\"agent\":\"agent-scout\",\"action\":\"research\"},"
        + "{\"id\":\"seo\",\"agent\":\"seo-analyst\",\"action\":\"score\",\"dependsOn\":[\"scout\"],"
        + "\"parameters\":{\"simulate\":{\"latencyMs\":300,\"output\":{\"seoScore\":"
        + seoScore
        + "}}}},"
        + "{\"id\":\"write\",\"agent\":\"content-orchestrator\",\"action\":\"write\",\"dependsOn\":[\"scout\"],"
        + "\"parameters\":{\"simulate\":{\"latencyMs\":300}}},"
        + "{\"id\":\"publish\",\"agent\":\"content-orchestrator\",\"action\":\"publish\","
        + "\"dependsOn\":[\"seo\",\"write\"],\"condition\":\"steps.seo.output.seoScore > 80\"},"
        + "{\"id\":\"verify\",\"agent\":\"independent-verifier\",\"action\":\"verify\","
        + "\"dependsOn\":[\"seo\",\"write\"]}]}}}";
  }

  @Test
  void diamondPlan_runsIndependentStepsInParallel_andTheConditionDecidesPublish() throws Exception {
    String high =
        json(post("/api/v1/missions", diamond(91), TOKEN, Map.of()).body())
            .get("missionId")
            .asText();
    String low =
        json(post("/api/v1/missions", diamond(42), TOKEN, Map.of()).body())
            .get("missionId")
            .asText();

    List<String> highEvents = typesOf(streamEvents(high));
    // seo and write both start before either finishes: they run in parallel.
    assertThat(highEvents.indexOf("step.started:write"))
        .isLessThan(highEvents.indexOf("step.completed:seo"));
    assertThat(highEvents.indexOf("step.started:seo"))
        .isLessThan(highEvents.indexOf("step.completed:write"));
    assertThat(highEvents)
        .contains("step.completed:publish", "step.completed:verify")
        .last()
        .isEqualTo("mission.completed");

    List<String> lowEvents = typesOf(streamEvents(low));
    assertThat(lowEvents)
        .contains("step.skipped:publish", "step.completed:verify")
        .doesNotContain("step.started:publish")
        .last()
        .isEqualTo("mission.completed");
    JsonNode mission = json(get("/api/v1/missions/" + low, TOKEN).body());
    assertThat(mission.get("status").asText()).isEqualTo("COMPLETED");
    Map<String, String> statuses = new java.util.HashMap<>();
    mission
        .get("steps")
        .forEach(st -> statuses.put(st.get("id").asText(), st.get("status").asText()));
    assertThat(statuses)
        .containsEntry("publish", "SKIPPED")
        .containsEntry("verify", "SUCCEEDED")
        .containsEntry("seo", "SUCCEEDED");
  }

  @Test
  void invalidExplicitPlan_is422WithTheReason_andNothingIsWritten() throws Exception {
    long before = missionsOnTopic();
    Map<String, String> plans =
        Map.of(
            "[{\"id\":\"a\",\"agent\":\"agent-scout\",\"dependsOn\":[\"b\"]},"
                + "{\"id\":\"b\",\"agent\":\"agent-scout\",\"dependsOn\":[\"a\"]}]",
            "cycle",
            "[{\"id\":\"a\",\"agent\":\"ghost-writer\"}]",
            "unknown agent 'ghost-writer'",
            "[{\"id\":\"a\",\"agent\":\"agent-scout\"},{\"id\":\"a\",\"agent\":\"agent-scout\"}]",
            "duplicate",
            "[{\"id\":\"a\",\"agent\":\"agent-scout\",\"dependsOn\":[\"zz\"]}]",
            "missing step 'zz'",
            "[{\"id\":\"a\",\"agent\":\"agent-scout\"},{\"id\":\"b\",\"agent\":\"agent-scout\","
                + "\"dependsOn\":[\"a\"],\"condition\":\"steps.a.output.x >\"}]",
            "does not compile",
            "[{\"id\":\"a\",\"agent\":\"agent-scout\"},{\"id\":\"b\",\"agent\":\"agent-scout\","
                + "\"dependsOn\":[\"a\"],\"condition\":\"steps.nope.status == 'SUCCEEDED'\"}]",
            "unknown step 'nope'");
    for (Map.Entry<String, String> plan : plans.entrySet()) {
      ApiClient.Response response =
          post(
              "/api/v1/missions",
              "{\"mission\":\"x\",\"config\":{\"plan\":{\"steps\":" + plan.getKey() + "}}}",
              TOKEN,
              Map.of());
      assertThat(response.status()).as(plan.getValue()).isEqualTo(422);
      JsonNode problem = json(response.body());
      assertThat(problem.get("type").asText()).isEqualTo("/problems/invalid-plan");
      assertThat(problem.get("detail").asText()).contains(plan.getValue());
    }
    assertThat(
            post(
                    "/api/v1/missions",
                    "{\"mission\":\"x\",\"config\":{\"execution\":\"sideways\"}}",
                    TOKEN,
                    Map.of())
                .status())
        .isEqualTo(400);
    assertThat(missionsOnTopic()).isEqualTo(before);
  }

  @Test
  void cancel_endsTheMissionCancelled_forEveryOpenStream_andAFinishedMissionIs409()
      throws Exception {
    String body =
        "{\"mission\":\"long one\",\"config\":{\"plan\":{\"steps\":["
            + "{\"id\":\"slow\",\"agent\":\"agent-scout\",\"parameters\":{\"simulate\":{\"latencyMs\":60000}}},"
            + "{\"id\":\"after\",\"agent\":\"seo-analyst\",\"dependsOn\":[\"slow\"]}]}}}";
    String missionId =
        json(post("/api/v1/missions", body, TOKEN, Map.of()).body()).get("missionId").asText();
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(
                        json(get("/api/v1/missions/" + missionId, TOKEN).body())
                            .get("steps")
                            .get(0)
                            .get("status")
                            .asText())
                    .isEqualTo("RUNNING"));
    var openStream =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return typesOf(streamEvents(missionId));
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });

    ApiClient.Response cancelled =
        post("/api/v1/missions/" + missionId + "/cancel", "", TOKEN, Map.of());
    assertThat(cancelled.status()).isEqualTo(202);
    assertThat(json(cancelled.body()).get("status").asText()).isEqualTo("CANCELLING");

    assertThat(openStream.get(60, java.util.concurrent.TimeUnit.SECONDS))
        .endsWith("step.cancelled:slow", "step.cancelled:after", "mission.cancelled");
    JsonNode mission = json(get("/api/v1/missions/" + missionId, TOKEN).body());
    assertThat(mission.get("status").asText()).isEqualTo("CANCELLED");
    mission
        .get("steps")
        .forEach(st -> assertThat(st.get("status").asText()).isEqualTo("CANCELLED"));

    ApiClient.Response again =
        post("/api/v1/missions/" + missionId + "/cancel", "", TOKEN, Map.of());
    assertThat(again.status()).isEqualTo(409);
    assertThat(json(again.body()).get("type").asText()).isEqualTo("/problems/mission-finished");
    assertThat(post("/api/v1/missions/nope/cancel", "", TOKEN, Map.of()).status()).isEqualTo(404);
    assertThat(
            post("/api/v1/missions/" + missionId + "/cancel", "", OTHER_TOKEN, Map.of()).status())
        .isEqualTo(404);
  }
}
