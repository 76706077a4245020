package dev.gpilot.api.streams;

import static dev.gpilot.api.testing.StoredRows.awaitRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.streams.SseFrames.Frame;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.MissionStack;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.TopicOffsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Missions run by the real MissionJob (Kafka, Flink MiniCluster, ClickHouse) streamed by the API
 * and consumed by the real Vercel AI SDK ({@code ai} from npm, run by node): every chunk validates
 * against the SDK's {@code uiMessageChunkSchema}, and the message the SDK assembles is the mission.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UiMessageStreamITCase {
  private static final String TOKEN = "test-token-default";

  @RegisterExtension
  static final MissionStack STACK =
      MissionStack.builder()
          .streamWriterThreads(2)
          .apiClickHouse()
          .token(TOKEN, new Principal("default", "tester"))
          .build();

  private static final KafkaTestBroker KAFKA = STACK.kafka();
  private static final ClickHouseTestServer CLICKHOUSE = STACK.clickhouse();
  private static final List<String> AGENTS =
      List.of("agent-scout", "content-orchestrator", "independent-verifier");

  private static final ApiClient client = STACK.client(TOKEN);
  private static String missionId;

  @BeforeAll
  static void submitMission() throws Exception {
    missionId = submit("Launch the autumn collection", AGENTS);
  }

  private static String submit(String mission, List<String> agents) throws Exception {
    return client.submit(
        Json.mapper()
            .writeValueAsString(
                Map.of("mission", mission, "config", Map.of("explicitAgents", agents))));
  }

  private static String streamUrl(String id) {
    return client.base() + "/api/v1/missions/" + id + "/stream";
  }

  /**
   * The message's parts split at each step-start: the parts before the first step, then one list
   * per step.
   */
  private static List<List<JsonNode>> segments(JsonNode message) {
    List<List<JsonNode>> segments = new ArrayList<>();
    segments.add(new ArrayList<>());
    for (JsonNode part : message.get("parts")) {
      if (part.get("type").asText().equals("step-start")) {
        segments.add(new ArrayList<>());
      } else {
        segments.get(segments.size() - 1).add(part);
      }
    }
    return segments;
  }

  private static JsonNode part(List<JsonNode> parts, String type) {
    return parts.stream()
        .filter(p -> p.get("type").asText().equals(type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " part in " + parts));
  }

  @Test
  @Order(1)
  void completedMission_isOneValidUiMessage_assembledByTheAiSdk() throws Exception {
    JsonNode result = NodeStreamClient.sse(streamUrl(missionId), TOKEN, null);

    assertThat(result.has("failure")).as(result.toString()).isFalse();
    assertThat(result.get("status").asInt()).isEqualTo(200);
    JsonNode headers = result.get("headers");
    assertThat(headers.get("content-type").asText()).isEqualTo("text/event-stream");
    assertThat(headers.get("cache-control").asText()).isEqualTo("no-cache");
    assertThat(headers.get("x-vercel-ai-ui-message-stream").asText()).isEqualTo("v1");
    assertThat(headers.get("x-accel-buffering").asText()).isEqualTo("no");
    assertThat(result.get("invalid")).as("chunks the AI SDK's schema rejected").isEmpty();
    assertThat(result.get("strict")).as("fields the schema does not name").isEmpty();
    assertThat(result.get("errors")).isEmpty();
    assertThat(result.get("done").asBoolean()).as("ends with data: [DONE]").isTrue();

    List<String> types = NodeStreamClient.types(result);
    assertThat(types.get(0)).isEqualTo("start");
    assertThat(result.at("/chunks/0/messageId").asText()).isEqualTo(missionId);
    assertThat(types.get(types.size() - 1)).isEqualTo("finish");
    assertThat(result.at("/chunks/" + (types.size() - 1) + "/finishReason").asText())
        .isEqualTo("stop");
    assertThat(types.stream().filter("start-step"::equals)).hasSize(3);
    assertThat(types.stream().filter("finish-step"::equals)).hasSize(3);
    assertThat(types).doesNotContain("error");

    JsonNode message = result.get("message");
    assertThat(message.get("id").asText()).isEqualTo(missionId);
    assertThat(message.get("role").asText()).isEqualTo("assistant");
    assertThat(message.at("/metadata/status").asText()).isEqualTo("COMPLETED");
    assertThat(message.at("/metadata/missionId").asText()).isEqualTo(missionId);

    List<List<JsonNode>> segments = segments(message);
    assertThat(segments).hasSize(4);
    JsonNode plan = part(segments.get(0), "data-plan").get("data");
    assertThat(plan.get("steps"))
        .extracting(s -> s.get("id").asText())
        .containsExactly("s1", "s2", "s3");
    assertThat(plan.get("steps"))
        .extracting(s -> s.get("agent").asText())
        .containsExactlyElementsOf(AGENTS);
    assertThat(part(segments.get(0), "data-cost").get("id").asText()).isEqualTo("cost");
    for (int i = 1; i <= 3; i++) {
      List<JsonNode> step = segments.get(i);
      String agent = AGENTS.get(i - 1);
      JsonNode dataStep = part(step, "data-step");
      assertThat(dataStep.get("id").asText()).isEqualTo("step-s" + i);
      assertThat(dataStep.at("/data/stepId").asText()).isEqualTo("s" + i);
      assertThat(dataStep.at("/data/agent").asText()).isEqualTo(agent);
      assertThat(dataStep.at("/data/status").asText())
          .as("updated in place to the final status")
          .isEqualTo("SUCCEEDED");
      assertThat(step.stream().filter(p -> p.get("type").asText().equals("data-step"))).hasSize(1);
      JsonNode text = part(step, "text");
      assertThat(text.get("text").asText()).startsWith(agent + " finished");
      assertThat(text.get("state").asText()).isEqualTo("done");
      assertThat(step.stream().filter(p -> p.get("type").asText().equals("text"))).hasSize(1);
      assertThat(part(step, "data-log").at("/data/lines"))
          .extracting(l -> l.get("text").asText())
          .containsExactly("ready", "started", "completed");
    }

    // Frame ids rise with the events' seqs; the last frame is the mission's last event.
    List<String> ids = new ArrayList<>();
    result.get("ids").forEach(id -> ids.add(id.asText()));
    assertThat(ids).hasSize(types.size()).doesNotHaveDuplicates();
    assertThat(ids.get(ids.size() - 1)).isEqualTo("12");
  }

  @Test
  @Order(2)
  void resumingAfterAnyFrame_continuesWithNoGapAndNoDuplicate() throws Exception {
    List<Frame> all = SseFrames.read(streamUrl(missionId), TOKEN, null);
    assertThat(all.get(all.size() - 1).data()).isEqualTo("[DONE]");

    for (int i = 0; i < all.size() - 1; i++) {
      List<Frame> rest = SseFrames.read(streamUrl(missionId), TOKEN, all.get(i).id());
      assertThat(rest)
          .as("after frame " + all.get(i).id())
          .containsExactlyElementsOf(all.subList(i + 1, all.size()));
    }
    // What a resumed client parses is valid on its own: a continuation, without a second start.
    String middle = all.get(all.size() / 2).id();
    JsonNode resumed = NodeStreamClient.sse(streamUrl(missionId), TOKEN, middle);
    assertThat(resumed.get("invalid")).isEmpty();
    assertThat(NodeStreamClient.types(resumed)).doesNotContain("start").endsWith("finish");
  }

  @Test
  @Order(3)
  void useChatResume_onTheTransportsDefaultPath_replaysTheWholeMessage() throws Exception {
    JsonNode full = NodeStreamClient.sse(streamUrl(missionId), TOKEN, null);

    JsonNode resumed = NodeStreamClient.resume(client.base(), TOKEN, missionId, null);

    assertThat(resumed.has("failure")).as(resumed.toString()).isFalse();
    assertThat(resumed.get("noActiveStream").asBoolean()).isFalse();
    assertThat(resumed.get("strict")).isEmpty();
    assertThat(resumed.get("message")).isEqualTo(full.get("message"));

    // The SDK's "no active stream" (204) for a finished mission, when the client asks for active
    // streams only.
    JsonNode activeOnly = NodeStreamClient.resume(client.base(), TOKEN, missionId, "active=true");
    assertThat(activeOnly.get("noActiveStream").asBoolean()).isTrue();

    JsonNode unknown = NodeStreamClient.resume(client.base(), TOKEN, "no-such-mission", null);
    assertThat(unknown.get("failure").asText()).contains("not-found");
  }

  @Test
  @Order(4)
  void liveStreamsOfManyClients_allGetTheSameMessage() throws Exception {
    String live = submit("Audit the checkout page", List.of("ui-auditor", "seo-analyst"));
    List<java.util.concurrent.CompletableFuture<JsonNode>> clients = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      clients.add(NodeStreamClient.sseAsync(streamUrl(live), TOKEN));
    }
    JsonNode first = clients.get(0).get();
    assertThat(first.get("invalid")).isEmpty();
    assertThat(first.at("/message/metadata/status").asText()).isEqualTo("COMPLETED");
    for (var client : clients) {
      assertThat(client.get().get("message")).isEqualTo(first.get("message"));
      assertThat(client.get().get("ids")).isEqualTo(first.get("ids"));
    }
  }

  @Test
  @Order(5)
  void cancel_everyOpenStreamShowsTheCancellationInOrder_thenFinishAndDone() throws Exception {
    String body =
        "{\"mission\":\"long one\",\"config\":{\"plan\":{\"steps\":["
            + "{\"id\":\"slow\",\"agent\":\"agent-scout\",\"parameters\":{\"simulate\":{\"latencyMs\":60000}}},"
            + "{\"id\":\"after\",\"agent\":\"seo-analyst\",\"dependsOn\":[\"slow\"]}]}}}";
    String id = client.post("/api/v1/missions", body).json().get("missionId").asText();
    int before = STACK.api().openStreams();
    List<java.util.concurrent.CompletableFuture<JsonNode>> clients = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      clients.add(NodeStreamClient.sseAsync(streamUrl(id), TOKEN));
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(STACK.api().openStreams()).isGreaterThanOrEqualTo(before + 3);
              assertThat(
                      SseFrames.read(
                              streamUrl(id), TOKEN, null, f -> f.data().contains("\"RUNNING\""))
                          .get(0)
                          .data())
                  .contains("\"start\"");
            });

    ApiClient.Response cancelled =
        client.send("POST", "/api/v1/missions/" + id + "/cancel", null, null, Map.of());
    assertThat(cancelled.status()).isEqualTo(202);

    for (var client : clients) {
      JsonNode result = client.get(2, java.util.concurrent.TimeUnit.MINUTES);
      assertThat(result.get("invalid")).isEmpty();
      assertThat(result.get("strict")).isEmpty();
      assertThat(result.get("done").asBoolean()).isTrue();
      List<String> types = NodeStreamClient.types(result);
      assertThat(types.subList(types.size() - 3, types.size()))
          .containsExactly("message-metadata", "abort", "finish");
      JsonNode message = result.get("message");
      assertThat(message.at("/metadata/status").asText()).isEqualTo("CANCELLED");
      List<List<JsonNode>> segments = segments(message);
      assertThat(part(segments.get(1), "data-step").at("/data/stepId").asText()).isEqualTo("slow");
      assertThat(part(segments.get(1), "data-step").at("/data/status").asText())
          .isEqualTo("CANCELLED");
      assertThat(part(segments.get(2), "data-step").at("/data/stepId").asText()).isEqualTo("after");
      assertThat(part(segments.get(2), "data-step").at("/data/status").asText())
          .isEqualTo("CANCELLED");
      assertThat(message).isEqualTo(clients.get(0).get().get("message"));
    }
  }

  @Test
  @Order(6)
  void finishedMission_isReplayedFromStoredEvents_afterItsEventsLeftTheTopics() throws Exception {
    List<Frame> before = SseFrames.read(streamUrl(missionId), TOKEN, null);
    awaitRows(
        CLICKHOUSE,
        Duration.ofSeconds(30),
        "SELECT seq FROM mission_events WHERE mission_id = '" + missionId + "'",
        rows -> assertThat(rows).hasSize(12));

    // What a 7-day retention does to the topics, at once: every record of both topics the API reads
    // is gone.
    TopicOffsets.deleteAllRecords(
        KAFKA.clientProperties(), List.of(Topics.MISSIONS, Topics.MISSION_EVENTS));
    STACK.restartApi();

    List<Frame> after = SseFrames.read(streamUrl(missionId), TOKEN, null);

    assertThat(after).containsExactlyElementsOf(before);
    ApiClient.Response mission = client.get("/api/v1/missions/" + missionId);
    assertThat(mission.status()).isEqualTo(200);
    assertThat(mission.json().get("status").asText()).isEqualTo("COMPLETED");
    ApiClient.Response unknown = client.get("/api/v1/missions/never-submitted/stream");
    assertThat(unknown.status()).isEqualTo(404);
  }
}
