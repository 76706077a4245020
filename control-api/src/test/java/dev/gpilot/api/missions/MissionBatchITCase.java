package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.RawHttp;
import dev.gpilot.api.testing.ApiServer;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.TopicContents;
import dev.gpilot.testing.TopicOffsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code POST /api/v1/missions/batch} on a real API and Kafka broker: what a client sees per line,
 * and what lands on {@code gpilot.missions.v1} (counted by the topic's end offsets, read back by
 * key).
 */
class MissionBatchITCase {

  private static final String TOKEN = "batch-token";
  private static final String NDJSON = "application/x-ndjson";

  @RegisterExtension
  static final ApiServer API =
      ApiServer.builder().token(TOKEN, new Principal("default", "batcher")).build();

  private static final KafkaTestBroker KAFKA = API.kafka();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static HttpResponse<String> batch(String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + API.port() + "/api/v1/missions/batch"))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    Map<String, String> all =
        new java.util.HashMap<>(Map.of("Authorization", "Bearer " + TOKEN, "Content-Type", NDJSON));
    all.putAll(headers);
    all.forEach(
        (name, value) -> {
          if (value != null) {
            request.header(name, value);
          }
        });
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> batch(String body) throws Exception {
    return batch(body, Map.of());
  }

  private static HttpResponse<String> single(String body, String key) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + API.port() + "/api/v1/missions"))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The answer's lines, after checking it is a 200 NDJSON answer. */
  private static List<JsonNode> results(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith(NDJSON));
    List<JsonNode> lines = new ArrayList<>();
    for (String line : response.body().split("\n")) {
      lines.add(Json.mapper().readTree(line));
    }
    return lines;
  }

  private static void assertProblem(HttpResponse<String> response, int status, String type)
      throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    JsonNode problem = Json.mapper().readTree(response.body());
    assertThat(problem.get("type").asText()).isEqualTo("/problems/" + type);
    assertThat(problem.get("detail").asText()).isNotBlank();
  }

  private static long missionsOnTopic() throws Exception {
    return TopicOffsets.endOffsetSum(KAFKA.clientProperties(), Topics.MISSIONS);
  }

  /** The keys of every record on the missions topic now. */
  private static List<String> keysOnTopic() {
    return TopicContents.readUntilQuiet(KAFKA.clientProperties(), Topics.MISSIONS).stream()
        .map(ConsumerRecord::key)
        .toList();
  }

  private static String mission(String text) {
    return "{\"mission\":\"" + text + "\"}";
  }

  @Test
  void mixedLines_eachGetsItsOwnResultInOrder_andOnlyTheValidOnesAreWritten() throws Exception {
    long before = missionsOnTopic();
    String body =
        String.join(
                "\n",
                mission("Plan a product launch"),
                "{not json",
                "",
                "{\"mission\":\"Audit the shop\",\"config\":{\"explicitAgents\":[\"ui-auditor\",\"seo-analyst\"]}}",
                "{\"mission\":\"x\",\"config\":{\"explicitAgents\":[\"ghost-writer\"]}}",
                "{\"mission\":\"x\",\"missionn\":1}")
            + "\n";

    HttpResponse<String> response = batch(body);

    List<JsonNode> results = results(response);
    assertThat(results).extracting(r -> r.get("line").asInt()).containsExactly(1, 2, 4, 5, 6);
    assertThat(results)
        .extracting(r -> r.get("status").asInt())
        .containsExactly(202, 400, 202, 422, 400);
    assertThat(results.get(1).get("type").asText()).isEqualTo("/problems/invalid-request");
    assertThat(results.get(1).get("detail").asText()).contains("not valid JSON");
    assertThat(results.get(3).get("type").asText()).isEqualTo("/problems/invalid-plan");
    assertThat(results.get(3).get("detail").asText()).contains("unknown agent 'ghost-writer'");
    assertThat(results.get(4).get("detail").asText()).contains("unknown field 'missionn'");
    assertThat(response.headers().firstValue("Gpilot-Accepted")).hasValue("2");
    assertThat(response.headers().firstValue("Gpilot-Rejected")).hasValue("3");

    assertThat(missionsOnTopic()).isEqualTo(before + 2);
    List<String> accepted =
        List.of(results.get(0).get("missionId").asText(), results.get(2).get("missionId").asText());
    assertThat(keysOnTopic()).containsAll(accepted);
    for (String missionId : accepted) {
      HttpResponse<String> mission =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + API.port() + "/api/v1/missions/" + missionId))
                  .header("Authorization", "Bearer " + TOKEN)
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(mission.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aThousandMissions_areAllAcceptedAndWritten_eachOnce() throws Exception {
    long before = missionsOnTopic();
    StringBuilder body = new StringBuilder();
    for (int i = 1; i <= MissionBatch.MAX_LINES; i++) {
      body.append(mission("Mission number " + i)).append('\n');
    }

    List<JsonNode> results = results(batch(body.toString()));

    assertThat(results).hasSize(MissionBatch.MAX_LINES);
    assertThat(results).allSatisfy(r -> assertThat(r.get("status").asInt()).isEqualTo(202));
    Set<String> ids =
        results.stream().map(r -> r.get("missionId").asText()).collect(Collectors.toSet());
    assertThat(ids).hasSize(MissionBatch.MAX_LINES);
    assertThat(missionsOnTopic()).isEqualTo(before + MissionBatch.MAX_LINES);
  }

  @Test
  void idempotencyKeysPerLine_replayWithinAndAcrossBatches_likeTheSinglePost_andWriteOnce()
      throws Exception {
    long before = missionsOnTopic();
    String audit = "{\"mission\":\"Audit the checkout\",\"idempotencyKey\":\"batch-key-a\"}";
    String launch = "{\"idempotencyKey\":\"batch-key-b\",\"mission\":\"Launch\"}";

    List<JsonNode> first = results(batch(audit + "\n" + audit + "\n" + launch + "\n"));

    String a = first.get(0).get("missionId").asText();
    assertThat(first).extracting(r -> r.get("status").asInt()).containsExactly(202, 202, 202);
    assertThat(first.get(0).has("replayed")).isFalse();
    assertThat(first.get(1).get("missionId").asText()).isEqualTo(a);
    assertThat(first.get(1).get("replayed").asBoolean()).isTrue();
    assertThat(missionsOnTopic()).isEqualTo(before + 2);

    List<JsonNode> again =
        results(
            batch(
                audit
                    + "\n"
                    + "{\"mission\":\"Audit something else\",\"idempotencyKey\":\"batch-key-a\"}\n"
                    + "{\"mission\":\"x\",\"idempotencyKey\":\"\"}\n"));

    assertThat(again.get(0).get("missionId").asText()).isEqualTo(a);
    assertThat(again.get(0).get("replayed").asBoolean()).isTrue();
    assertThat(again.get(1).get("status").asInt()).isEqualTo(422);
    assertThat(again.get(1).get("type").asText()).isEqualTo("/problems/idempotency-key-reused");
    assertThat(again.get(2).get("status").asInt()).isEqualTo(400);
    // The line's key is the single POST's Idempotency-Key: the same mission, either way round.
    HttpResponse<String> single = single("{\"mission\":\"Audit the checkout\"}", "batch-key-a");
    assertThat(single.statusCode()).isEqualTo(202);
    assertThat(Json.mapper().readTree(single.body()).get("missionId").asText()).isEqualTo(a);
    assertThat(single.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(missionsOnTopic()).isEqualTo(before + 2);
  }

  @Test
  void batchesRefusedWhole_getAProblem_andWriteNothing() throws Exception {
    long before = missionsOnTopic();
    String line = mission("m") + "\n";

    assertProblem(batch(line.repeat(MissionBatch.MAX_LINES + 1)), 413, "request-too-large");
    // Refused by its Content-Length: a client that sends on gets the answer, not a reset
    // connection; one that waits for 100 Continue gets it without sending its body.
    String over8MiB = (mission("x".repeat(100_000)) + "\n").repeat(84);
    assertProblem(batch(over8MiB), 413, "request-too-large");
    RawHttp.Response waiting =
        new RawHttp(API.port(), 10_000)
            .send(
                "POST /api/v1/missions/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer "
                    + TOKEN
                    + "\r\nContent-Type: "
                    + NDJSON
                    + "\r\nContent-Length: "
                    + over8MiB.length()
                    + "\r\nExpect: 100-continue\r\n\r\n");
    assertThat(waiting.status()).as(waiting.bodyText()).isEqualTo(413);
    assertThat(waiting.bodyText()).contains("request-too-large");
    assertProblem(batch("\n\n"), 400, "invalid-request");
    assertProblem(
        batch(line, Map.of("Content-Type", "application/json")), 415, "unsupported-media-type");
    assertProblem(batch(line, Map.of("Idempotency-Key", "whole-batch")), 400, "invalid-request");
    assertProblem(batch(line, Map.of("Accept", "text/html")), 406, "not-acceptable");
    assertProblem(batch(line, Map.of("Authorization", "Bearer nope")), 401, "unauthorized");

    assertThat(missionsOnTopic()).isEqualTo(before);
  }

  @Test
  void acceptJson_answersOneJsonArray_inLineOrder() throws Exception {
    HttpResponse<String> response =
        batch(
            mission("one") + "\n42\n" + mission("three") + "\n",
            Map.of("Accept", "application/json"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    JsonNode array = Json.mapper().readTree(response.body());
    assertThat(array.isArray()).isTrue();
    List<Integer> statuses = new ArrayList<>();
    array.forEach(r -> statuses.add(r.get("status").asInt()));
    assertThat(statuses).containsExactly(202, 400, 202);
    Set<Integer> lines = new HashSet<>();
    array.forEach(r -> lines.add(r.get("line").asInt()));
    assertThat(lines).containsExactly(1, 2, 3);
  }
}
