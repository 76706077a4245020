package dev.gpilot.api.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.streams.SseFrames.Frame;
import dev.gpilot.api.testing.ApiServer;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.KafkaTestBroker;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The API's streams on a real Kafka broker, with mission events written to the events topic by the
 * test as the MissionJob writes them: token deltas, parallel steps, retries, cancellation,
 * timeouts, a stalled client, NDJSON. Every UI message stream is read by the real AI SDK (node).
 */
class StreamFanOutITCase {
  private static final String TOKEN = "test-token-default";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final int MAX_LAG = 200;

  @RegisterExtension
  static final ApiServer API =
      ApiServer.builder()
          .token(TOKEN, new Principal("default", "tester"))
          .api(o -> o.withStreams(MAX_LAG, Duration.ofMillis(500)))
          .build();

  private static final KafkaTestBroker KAFKA = API.kafka();

  private static ControlApi api;
  private static String base;

  @BeforeAll
  static void startApi() throws Exception {
    api = API.api();
    base = "http://127.0.0.1:" + api.port();
  }

  private static MissionEvents mission() {
    return new MissionEvents(KAFKA.bootstrapServers(), "default");
  }

  private static String streamUrl(MissionEvents m) {
    return base + "/api/v1/missions/" + m.missionId() + "/stream";
  }

  private static void assertValid(JsonNode result) {
    assertThat(result.has("failure")).as(result.toString()).isFalse();
    assertThat(result.get("invalid")).as("chunks the AI SDK's schema rejected").isEmpty();
    assertThat(result.get("strict")).as("fields the schema does not name").isEmpty();
    assertThat(result.get("done").asBoolean()).as("ends with [DONE]").isTrue();
  }

  /**
   * The parts of each SDK step (the message split at step-start), the parts before the first step
   * dropped.
   */
  private static List<List<JsonNode>> steps(JsonNode message) {
    List<List<JsonNode>> steps = new ArrayList<>();
    for (JsonNode part : message.get("parts")) {
      if (part.get("type").asText().equals("step-start")) {
        steps.add(new ArrayList<>());
      } else if (!steps.isEmpty()) {
        steps.get(steps.size() - 1).add(part);
      }
    }
    return steps;
  }

  private static String text(List<JsonNode> parts) {
    return parts.stream()
        .filter(p -> p.get("type").asText().equals("text"))
        .map(p -> p.get("text").asText())
        .collect(Collectors.joining("|"));
  }

  private static JsonNode dataPart(JsonNode message, String id) {
    for (JsonNode part : message.get("parts")) {
      if (part.has("id")
          && part.get("id").asText().equals(id)
          && part.get("type").asText().startsWith("data-")) {
        return part.get("data");
      }
    }
    throw new AssertionError("no data part " + id);
  }

  private static void awaitStreams(int n) throws Exception {
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(api.openStreams()).isGreaterThanOrEqualTo(n));
  }

  @Test
  void parallelSteps_tokenDeltas_andRetries_makeOneStepPerAttempt_withItsOwnText()
      throws Exception {
    try (MissionEvents m = mission()) {
      m.accepted("Diamond")
          .plan("s1:agent-scout", "s2:seo-analyst<s1", "s3:copywriter<s1", "s4:publisher<s2,s3");
      m.started("s1", "agent-scout", 1).completed("s1", "agent-scout", 1, "scouted", 100);
      // s2 and s3 run at once; their tokens interleave.
      m.started("s2", "seo-analyst", 1)
          .started("s3", "copywriter", 1)
          .delta("s3", "copywriter", 1, "B1")
          .delta("s2", "seo-analyst", 1, "A1")
          .delta("s3", "copywriter", 1, "B2")
          .completed("s3", "copywriter", 1, "B1B2", 300)
          .delta("s2", "seo-analyst", 1, "A2")
          .completed("s2", "seo-analyst", 1, "A1A2 (final)", 200);
      m.send(m.next(EventTypes.STEP_READY).step("s4", "publisher", 1).status("READY"));
      m.started("s4", "publisher", 1).delta("s4", "publisher", 1, "half");
      m.send(
          m.next(EventTypes.STEP_RETRYING).step("s4", "publisher", 1).reason("429 from the model"));
      m.started("s4", "publisher", 2).completed("s4", "publisher", 2, "published", 400);
      m.missionEnd("mission.completed", "COMPLETED", null);

      JsonNode result = NodeStreamClient.sse(streamUrl(m), TOKEN, null);

      assertValid(result);
      assertThat(result.get("errors")).isEmpty();
      JsonNode message = result.get("message");
      List<List<JsonNode>> steps = steps(message);
      // One SDK step per attempt, in the order the steps started; deltas are the text when they
      // came, and a step's text ends as its output's (s2's last words came in no delta).
      assertThat(steps)
          .extracting(StreamFanOutITCase::text)
          .containsExactly("scouted", "A1A2 (final)", "B1B2", "half", "published");
      assertThat(steps.get(1).get(0).at("/data/stepId").asText()).isEqualTo("s2");
      assertThat(steps.get(2).get(0).at("/data/stepId").asText()).isEqualTo("s3");
      JsonNode s4 = dataPart(message, "step-s4");
      assertThat(s4.get("status").asText()).isEqualTo("SUCCEEDED");
      assertThat(s4.get("attempt").asInt()).isEqualTo(2);
      assertThat(s4.get("costMicros").asLong()).isEqualTo(400);
      assertThat(s4.at("/usage/totalTokens").asLong()).isEqualTo(125);
      assertThat(dataPart(message, "log-s4").get("lines"))
          .extracting(l -> l.get("text").asText())
          .containsExactly(
              "ready",
              "started",
              "will be retried: 429 from the model",
              "started (attempt 2)",
              "completed");
      assertThat(message.at("/metadata/costMicros").asLong()).isEqualTo(1000);
      assertThat(message.at("/metadata/usage/promptTokens").asLong()).isEqualTo(400);
      JsonNode cost = dataPart(message, "cost");
      assertThat(cost.get("costMicros").asLong()).isEqualTo(1000);
      assertThat(cost.at("/agents/copywriter").asLong()).isEqualTo(300);
      assertThat(message.at("/metadata/status").asText()).isEqualTo("COMPLETED");
    }
  }

  @Test
  void liveMission_resumedWithLastEventId_continuesWithNoGapAndNoDuplicate() throws Exception {
    try (MissionEvents m = mission()) {
      m.accepted("Live")
          .plan("s1:agent-scout", "s2:seo-analyst<s1")
          .started("s1", "agent-scout", 1)
          .delta("s1", "agent-scout", 1, "Hello ");
      List<Frame> first =
          SseFrames.read(streamUrl(m), TOKEN, null, f -> f.data().contains("\"text-delta\""));
      assertThat(first.get(first.size() - 1).data()).contains("Hello ");

      m.delta("s1", "agent-scout", 1, "world")
          .completed("s1", "agent-scout", 1, "Hello world", 10)
          .started("s2", "seo-analyst", 1)
          .completed("s2", "seo-analyst", 1, "ranked", 10)
          .missionEnd("mission.completed", "COMPLETED", null);
      List<Frame> rest = SseFrames.read(streamUrl(m), TOKEN, first.get(first.size() - 1).id());

      List<Frame> whole = SseFrames.read(streamUrl(m), TOKEN, null);
      List<Frame> joined = new ArrayList<>(first);
      joined.addAll(rest);
      assertThat(joined).containsExactlyElementsOf(whole);
      assertThat(whole.get(whole.size() - 1).data()).isEqualTo("[DONE]");
    }
  }

  @Test
  void submittedMission_getsItsStartFrameBeforeItHasAnyEvent_andAResumeAfterItDoesNotRepeatIt()
      throws Exception {
    // No job runs here: a mission submitted over HTTP gets no event until this test writes them.
    HttpResponse<String> accepted =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + "/api/v1/missions"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"mission\":\"Start early\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    String missionId = Json.mapper().readTree(accepted.body()).get("missionId").asText();
    String url = base + "/api/v1/missions/" + missionId + "/stream";

    List<Frame> first = SseFrames.read(url, TOKEN, null, f -> true);
    assertThat(first).hasSize(1);
    assertThat(first.get(0).id()).isEqualTo("0");
    JsonNode start = Json.mapper().readTree(first.get(0).data());
    assertThat(start.get("type").asText()).isEqualTo("start");
    assertThat(start.get("messageId").asText()).isEqualTo(missionId);
    assertThat(start.at("/messageMetadata/status").asText()).isEqualTo("SUBMITTED");
    assertThat(get(base + "/api/v1/missions/" + missionId).get("lastSeq").asLong())
        .as("events so far")
        .isZero();

    try (MissionEvents m = new MissionEvents(KAFKA.bootstrapServers(), "default", missionId)) {
      m.accepted("Start early")
          .plan("s1:agent-scout")
          .started("s1", "agent-scout", 1)
          .delta("s1", "agent-scout", 1, "early")
          .completed("s1", "agent-scout", 1, "early", 10)
          .missionEnd("mission.completed", "COMPLETED", null);

      List<Frame> rest = SseFrames.read(url, TOKEN, first.get(0).id());
      List<Frame> whole = SseFrames.read(url, TOKEN, null);
      List<Frame> joined = new ArrayList<>(first);
      joined.addAll(rest);
      assertThat(joined).containsExactlyElementsOf(whole);
      assertThat(whole).filteredOn(f -> f.data().contains("\"type\":\"start\"")).hasSize(1);
      assertThat(rest.get(0).id()).as("mission.accepted's one chunk").isEqualTo("1");

      // The continuation as the AI SDK reads it: valid, without a second start, to the end.
      JsonNode resumed = NodeStreamClient.sse(url, TOKEN, "0");
      assertThat(resumed.get("invalid")).isEmpty();
      assertThat(resumed.get("done").asBoolean()).isTrue();
      assertThat(NodeStreamClient.types(resumed)).doesNotContain("start").endsWith("finish");
      JsonNode full = NodeStreamClient.sse(url, TOKEN, null);
      assertValid(full);
      assertThat(NodeStreamClient.types(full)).startsWith("start").containsOnlyOnce("start");
      assertThat(full.at("/message/id").asText()).isEqualTo(missionId);
      assertThat(full.at("/message/metadata/status").asText()).isEqualTo("COMPLETED");
    }
  }

  private static JsonNode get(String url) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + TOKEN)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Json.mapper().readTree(response.body());
  }

  @Test
  void cancelledMission_everyOpenStreamShowsTheCancellationInOrder_thenFinishAndDone()
      throws Exception {
    try (MissionEvents m = mission()) {
      m.accepted("Cancel me")
          .plan("s1:agent-scout", "s2:seo-analyst<s1")
          .started("s1", "agent-scout", 1)
          .delta("s1", "agent-scout", 1, "partial");
      List<CompletableFuture<JsonNode>> clients = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        clients.add(NodeStreamClient.sseAsync(streamUrl(m), TOKEN));
      }
      awaitStreams(3);

      // What the job writes after POST /api/v1/missions/{id}/cancel (issue 3): the open steps, then
      // the mission.
      m.send(
          m.next(EventTypes.STEP_CANCELLED)
              .step("s1", "agent-scout", 1)
              .status("CANCELLED")
              .reason("cancelled by tester"));
      m.send(
          m.next(EventTypes.STEP_CANCELLED)
              .step("s2", "seo-analyst", 0)
              .status("CANCELLED")
              .reason("cancelled by tester"));
      m.missionEnd("mission.cancelled", "CANCELLED", "cancelled by tester");

      for (CompletableFuture<JsonNode> client : clients) {
        JsonNode result = client.get();
        assertValid(result);
        List<String> types = NodeStreamClient.types(result);
        assertThat(types.subList(types.size() - 3, types.size()))
            .containsExactly("message-metadata", "abort", "finish");
        assertThat(result.at("/chunks/" + (types.size() - 1) + "/finishReason").asText())
            .isEqualTo("other");
        assertThat(result.at("/chunks/" + (types.size() - 2) + "/reason").asText())
            .isEqualTo("mission cancelled: cancelled by tester");
        JsonNode message = result.get("message");
        assertThat(message.at("/metadata/status").asText()).isEqualTo("CANCELLED");
        assertThat(dataPart(message, "step-s1").get("status").asText()).isEqualTo("CANCELLED");
        assertThat(dataPart(message, "step-s2").get("status").asText()).isEqualTo("CANCELLED");
        assertThat(steps(message))
            .extracting(StreamFanOutITCase::text)
            .containsExactly("partial", "");
        assertThat(result.get("message")).isEqualTo(clients.get(0).get().get("message"));
      }
    }
  }

  @Test
  void failedAndTimedOutMissions_endWithAnErrorChunk_thenFinish() throws Exception {
    try (MissionEvents failed = mission();
        MissionEvents late = mission()) {
      failed
          .accepted("Fail")
          .plan("s1:agent-scout")
          .started("s1", "agent-scout", 1)
          .send(
              failed
                  .next("step.failed")
                  .step("s1", "agent-scout", 1)
                  .status("FAILED")
                  .reason("model said no")
                  .durationMs(3))
          .missionEnd("mission.failed", "FAILED", "step s1 failed: model said no");
      late.accepted("Slow")
          .plan("s1:agent-scout")
          .started("s1", "agent-scout", 1)
          .missionEnd("mission.timed_out", "TIMED_OUT", "the mission's deadline of 60 s passed");

      JsonNode f = NodeStreamClient.sse(streamUrl(failed), TOKEN, null);
      JsonNode t = NodeStreamClient.sse(streamUrl(late), TOKEN, null);

      assertValid(f);
      assertThat(f.get("errors"))
          .extracting(JsonNode::asText)
          .containsExactly("mission failed: step s1 failed: model said no");
      assertThat(NodeStreamClient.types(f)).endsWith("error", "finish");
      assertThat(f.at("/message/metadata/status").asText()).isEqualTo("FAILED");
      assertThat(dataPart(f.get("message"), "step-s1").get("reason").asText())
          .isEqualTo("model said no");
      assertValid(t);
      assertThat(t.get("errors"))
          .extracting(JsonNode::asText)
          .containsExactly("mission timed out: the mission's deadline of 60 s passed");
      assertThat(t.at("/message/metadata/status").asText()).isEqualTo("TIMED_OUT");
      // The step that was running when the deadline passed did not finish.
      assertThat(dataPart(t.get("message"), "step-s1").get("status").asText())
          .isEqualTo("CANCELLED");
    }
  }

  @Test
  void stalledClient_isDisconnectedWithAnError_whileOthersGetEverything() throws Exception {
    try (MissionEvents m = mission()) {
      m.accepted("Flood").plan("s1:agent-scout").started("s1", "agent-scout", 1);
      CompletableFuture<JsonNode> fast = NodeStreamClient.sseAsync(streamUrl(m), TOKEN);
      try (Socket slow = new Socket()) {
        slow.setReceiveBufferSize(2048);
        slow.connect(new java.net.InetSocketAddress("127.0.0.1", api.port()));
        OutputStream request = slow.getOutputStream();
        request.write(
            ("GET /api/v1/missions/"
                    + m.missionId()
                    + "/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer "
                    + TOKEN
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        request.flush();
        awaitStreams(2);

        String piece = "x".repeat(4096);
        int deltas = 2000;
        for (int i = 0; i < deltas; i++) {
          m.delta("s1", "agent-scout", 1, piece);
        }
        m.completed("s1", "agent-scout", 1, "done", 1)
            .missionEnd("mission.completed", "COMPLETED", null);

        JsonNode result = fast.get();
        assertValid(result);
        assertThat(
                steps(result.get("message")).get(0).stream()
                    .filter(p -> p.get("type").asText().equals("text"))
                    .findFirst()
                    .orElseThrow()
                    .get("text")
                    .asText())
            .hasSize(deltas * piece.length());

        // The stalled client reads at last: what it was sent ends with the protocol's error, not
        // with [DONE].
        slow.setSoTimeout(60_000);
        String body = readChunkedBody(slow.getInputStream());
        List<String> data = body.lines().filter(l -> l.startsWith("data: ")).toList();
        assertThat(data.get(data.size() - 1))
            .startsWith("data: {\"type\":\"error\",\"errorText\":\"stream too slow: ")
            .contains("reconnect with Last-Event-ID: ");
        assertThat(body).doesNotContain("[DONE]");
        assertThat(data.size()).isLessThan(deltas);
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(api.openStreams()).isZero());
    }
  }

  /** The body of an HTTP/1.1 response with chunked transfer encoding, read up to its last chunk. */
  private static String readChunkedBody(InputStream in) throws IOException {
    String status = line(in);
    assertThat(status).startsWith("HTTP/1.1 200");
    while (!line(in).isEmpty()) {
      // headers
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      int size = Integer.parseInt(line(in).split(";")[0].strip(), 16);
      if (size == 0) {
        return body.toString(StandardCharsets.UTF_8);
      }
      body.write(in.readNBytes(size));
      line(in);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  @Test
  void ndjsonEvents_resumeAfterASeq_heartbeat_andRejectWhatTheyCannotServe() throws Exception {
    try (MissionEvents m = mission()) {
      m.accepted("Plain").plan("s1:agent-scout").started("s1", "agent-scout", 1);
      String url = base + "/api/v1/missions/" + m.missionId() + "/events";

      // A live mission: its events so far, then heartbeats (blank lines) while it is quiet.
      HttpResponse<InputStream> live =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Authorization", "Bearer " + TOKEN)
                  .header("Accept", "application/x-ndjson")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertThat(live.headers().firstValue("content-type")).hasValue("application/x-ndjson");
      try (BufferedReader lines =
          new BufferedReader(new InputStreamReader(live.body(), StandardCharsets.UTF_8))) {
        List<String> got = new ArrayList<>();
        String line;
        while ((line = lines.readLine()) != null && !line.isEmpty()) {
          got.add(line);
        }
        assertThat(line).as("a heartbeat").isEmpty();
        assertThat(got)
            .extracting(l -> Json.mapper().readTree(l).get("seq").asLong())
            .containsExactly(1L, 2L, 3L);
      }

      m.completed("s1", "agent-scout", 1, "done", 1)
          .missionEnd("mission.completed", "COMPLETED", null);
      assertThat(ndjson(url + "?after=3", Map.of()))
          .extracting(e -> e.get("type").asText())
          .containsExactly("step.completed", "mission.completed");
      assertThat(ndjson(url, Map.of("Last-Event-ID", "4")))
          .extracting(e -> e.get("seq").asLong())
          .containsExactly(5L);
      assertThat(ndjson(url, Map.of())).hasSize(5);
      for (JsonNode e : ndjson(url, Map.of())) {
        assertThat(dev.gpilot.testing.Schemas.problems("mission-event.v1", e)).isEmpty();
      }

      assertThat(status(url, "text/html")).isEqualTo(406);
      assertThat(status(url + "?after=-1", "application/x-ndjson")).isEqualTo(400);
      assertThat(status(url + "?after=x", "*/*")).isEqualTo(400);
      assertThat(status(base + "/api/v1/missions/nope/events", "application/x-ndjson"))
          .isEqualTo(404);
      assertThat(status(streamUrl(m) + "?lastEventId=3:0", "text/event-stream")).isEqualTo(400);
      assertThat(status(streamUrl(m) + "?lastEventId=abc", "text/event-stream")).isEqualTo(400);
    }
  }

  @Test
  void finishedMission_resumedAfterItsLastEvent_endsAtOnce() throws Exception {
    try (MissionEvents m = mission()) {
      m.accepted("Done")
          .plan("s1:agent-scout")
          .started("s1", "agent-scout", 1)
          .completed("s1", "agent-scout", 1, "done", 1)
          .missionEnd("mission.completed", "COMPLETED", null);
      String events = base + "/api/v1/missions/" + m.missionId() + "/events";
      List<Frame> whole = SseFrames.read(streamUrl(m), TOKEN, null);
      String lastFrameId = whole.get(whole.size() - 2).id();

      // Each must end within seconds (a stream that does not end sends heartbeats every 500 ms,
      // forever).
      assertThat(within(() -> ndjson(events + "?after=5", Map.of())))
          .as("after the last seq")
          .isEmpty();
      assertThat(within(() -> ndjson(events, Map.of("Last-Event-ID", "5"))))
          .as("Last-Event-ID: 5")
          .isEmpty();
      assertThat(within(() -> ndjson(events + "?after=99", Map.of())))
          .as("after a seq beyond it")
          .isEmpty();
      assertThat(within(() -> SseFrames.read(streamUrl(m), TOKEN, lastFrameId)))
          .extracting(Frame::data)
          .as("resumed after the last frame id")
          .containsExactly("[DONE]");
    }
  }

  @Test
  void busyStream_getsNoHeartbeat_untilItGoesQuiet() throws Exception {
    try (MissionEvents m = mission()) {
      m.accepted("Chatty").plan("s1:agent-scout").started("s1", "agent-scout", 1);
      HttpResponse<InputStream> live =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create(base + "/api/v1/missions/" + m.missionId() + "/events"))
                  .header("Authorization", "Bearer " + TOKEN)
                  .header("Accept", "application/x-ndjson")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      try (BufferedReader lines =
          new BufferedReader(new InputStreamReader(live.body(), StandardCharsets.UTF_8))) {
        // Four heartbeat intervals (500 ms) of a delta every 100 ms: the stream is never idle, so
        // no heartbeat.
        CompletableFuture<Void> deltas =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    for (int i = 0; i < 20; i++) {
                      m.delta("s1", "agent-scout", 1, "t" + i);
                      Thread.sleep(100);
                    }
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 3 + 20; i++) {
          got.add(lines.readLine());
        }
        deltas.join();
        assertThat(got)
            .as("events only, no heartbeat between them")
            .allMatch(l -> l != null && !l.isEmpty());
        assertThat(lines.readLine()).as("a heartbeat once the mission is quiet").isEmpty();
      }
    }
  }

  /** What {@code read} returns, which must come within 10 seconds. */
  private static <T> T within(java.util.concurrent.Callable<T> read) throws Exception {
    CompletableFuture<T> result =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return read.call();
              } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            });
    return result.get(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static List<JsonNode> ndjson(String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Accept", "application/x-ndjson")
            .GET();
    headers.forEach(request::header);
    HttpResponse<String> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    List<JsonNode> events = new ArrayList<>();
    for (String line : response.body().split("\n")) {
      if (!line.isBlank()) {
        events.add(Json.mapper().readTree(line));
      }
    }
    return events;
  }

  private static int status(String url, String accept) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Accept", accept)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() >= 400) {
      assertThat(response.headers().firstValue("content-type"))
          .hasValue("application/problem+json");
    }
    return response.statusCode();
  }
}
