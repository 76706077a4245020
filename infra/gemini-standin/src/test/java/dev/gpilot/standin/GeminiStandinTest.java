package dev.gpilot.standin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The stand-in's REST protocol as a plain HTTP client sees it. */
class GeminiStandinTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static GeminiStandin standin;

  @BeforeAll
  static void start() throws Exception {
    standin = GeminiStandin.start(0);
  }

  @AfterAll
  static void stop() {
    standin.close();
  }

  @BeforeEach
  void reset() {
    standin.clearCalls();
    standin.clearFaults();
  }

  private static HttpResponse<String> post(String path, String body, String key, String... headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(standin.baseUrl() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("x-goog-api-key", key);
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode recordedCalls() throws Exception {
    return JSON.readTree(
            HTTP.send(
                    HttpRequest.newBuilder(URI.create(standin.baseUrl() + "/admin/calls"))
                        .GET()
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body())
        .get("calls");
  }

  private static int generate() throws Exception {
    return post("/v1beta/models/gemini-2.5-flash:generateContent", REQUEST, "k").statusCode();
  }

  private static final String REQUEST =
      """
      {"contents": [{"role": "user", "parts": [{"text": "Mission: Sell shoes\\n\\nYour step (s1): find buyers"}]}],
       "systemInstruction": {"parts": [{"text": "You are the Agent Scout. Research what the step asks for, be brief and specific."}]},
       "generationConfig": {"maxOutputTokens": 100}}""";

  @Test
  void generateContent_answersDeterministically_withAllFourCounts_andMarksTheModelAsTheStandin()
      throws Exception {
    HttpResponse<String> first =
        post("/v1beta/models/gemini-2.5-flash:generateContent", REQUEST, "k1");
    HttpResponse<String> second =
        post("/v1beta/models/gemini-2.5-flash:generateContent", REQUEST, "k1");

    assertThat(first.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(first.body());
    assertThat(body.at("/candidates/0/content/parts/0/text").asText()).contains("find buyers");
    assertThat(body.at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
    assertThat(body.get("modelVersion").asText()).isEqualTo("gpilot-standin/gemini-2.5-flash");
    JsonNode usage = body.get("usageMetadata");
    long prompt = usage.get("promptTokenCount").asLong();
    long candidates = usage.get("candidatesTokenCount").asLong();
    long thoughts = usage.get("thoughtsTokenCount").asLong();
    assertThat(usage.get("cachedContentTokenCount").asLong())
        .isPositive()
        .isLessThanOrEqualTo(prompt);
    assertThat(usage.get("totalTokenCount").asLong()).isEqualTo(prompt + candidates + thoughts);
    assertThat(JSON.readTree(second.body()).get("candidates")).isEqualTo(body.get("candidates"));
  }

  @Test
  void responseJsonSchema_isHonoured_andAPlanSchemaGetsAValidPlanOverTheAllowedAgents()
      throws Exception {
    String plan =
        """
        {"contents": [{"role": "user", "parts": [{"text": "Mission: Sell shoes"}]}],
         "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": {
           "type": "object", "required": ["steps"], "properties": {"steps": {"type": "array", "items": {
             "type": "object", "properties": {"id": {"type": "string"},
               "agent": {"type": "string", "enum": ["a", "b", "c", "d"]},
               "action": {"type": "string"}, "dependsOn": {"type": "array", "items": {"type": "string"}}}}}}}}}""";
    JsonNode answer =
        JSON.readTree(
            JSON.readTree(post("/v1beta/models/gemini-2.5-pro:generateContent", plan, "k").body())
                .at("/candidates/0/content/parts/0/text")
                .asText());
    assertThat(answer.get("steps")).hasSize(4);
    assertThat(answer.at("/steps/0/dependsOn")).isEmpty();
    assertThat(answer.at("/steps/1/dependsOn/0").asText()).isEqualTo("s1");
    assertThat(answer.at("/steps/3/dependsOn").toString()).isEqualTo("[\"s2\",\"s3\"]");

    String scored =
        """
        {"contents": [{"parts": [{"text": "score it"}]}], "generationConfig": {"responseMimeType": "application/json",
         "responseSchema": {"type": "OBJECT", "properties": {"seoScore": {"type": "INTEGER", "minimum": 0,
           "maximum": 100}, "issues": {"type": "ARRAY", "items": {"type": "STRING"}}}}}}""";
    JsonNode seo =
        JSON.readTree(
            JSON.readTree(post("/v1beta/models/m:generateContent", scored, "k").body())
                .at("/candidates/0/content/parts/0/text")
                .asText());
    assertThat(seo.get("seoScore").asInt()).isBetween(0, 100);
    assertThat(seo.get("issues").get(0).isTextual()).isTrue();
  }

  @Test
  void faultsQueuedOverHttp_applyToTheNextMatchingCalls_andCallsAreRecordedWithTheKeysHash()
      throws Exception {
    HttpResponse<String> queued =
        post(
            "/admin/faults",
            "[{\"status\": 429, \"match\": \"find buyers\", \"times\": 2}, {\"finishReason\": \"SAFETY\"}]",
            null);
    assertThat(queued.statusCode()).isEqualTo(204);

    HttpResponse<String> limited =
        post("/v1beta/models/gemini-2.5-flash:generateContent", REQUEST, "k1");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(JSON.readTree(limited.body()).at("/error/status").asText())
        .isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(post("/v1beta/models/gemini-2.5-flash:generateContent", REQUEST, "k1").statusCode())
        .isEqualTo(429);
    JsonNode blocked =
        JSON.readTree(
            post("/v1beta/models/gemini-2.5-flash:generateContent", REQUEST, "k2").body());
    assertThat(blocked.at("/candidates/0/finishReason").asText()).isEqualTo("SAFETY");
    assertThat(blocked.at("/candidates/0/content").isMissingNode()).isTrue();
    assertThat(post("/v1beta/models/gemini-2.5-flash:generateContent", REQUEST, "k2").statusCode())
        .isEqualTo(200);

    JsonNode calls =
        JSON.readTree(
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(standin.baseUrl() + "/admin/calls"))
                            .GET()
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .body())
            .get("calls");
    assertThat(calls).hasSize(4);
    assertThat(calls.get(0).get("status").asInt()).isEqualTo(429);
    assertThat(calls.get(0).get("apiKeySha256").asText())
        .isEqualTo(GeminiStandin.sha256("k1"))
        .doesNotContain("k1");
    assertThat(calls.get(3).get("apiKeySha256").asText()).isEqualTo(GeminiStandin.sha256("k2"));
  }

  @Test
  void aCallWithoutKey_isRefusedLikeGemini() throws Exception {
    assertThat(post("/v1beta/models/gemini-2.5-flash:generateContent", REQUEST, null).statusCode())
        .isEqualTo(403);
  }

  @Test
  void streamGenerateContent_sendsSseChunks_withoutDone_usageOnTheLast() throws Exception {
    HttpResponse<String> response =
        post("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", REQUEST, "k");
    assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
    List<String> data = response.body().lines().filter(l -> l.startsWith("data: ")).toList();
    assertThat(data.size()).isGreaterThan(1);
    assertThat(response.body()).doesNotContain("[DONE]");
    StringBuilder text = new StringBuilder();
    JsonNode last = null;
    for (String line : data) {
      last = JSON.readTree(line.substring(6));
      text.append(last.at("/candidates/0/content/parts/0/text").asText());
    }
    assertThat(last.get("usageMetadata").get("candidatesTokenCount").asLong())
        .isEqualTo((text.length() + 3) / 4);
  }

  @Test
  void withALatency_aStreamsChunksAreSpreadOverIt_theFirstArrivesLongBeforeTheLast()
      throws Exception {
    try (GeminiStandin slow = GeminiStandin.start(3_000)) {
      HttpRequest request =
          HttpRequest.newBuilder(
                  URI.create(
                      slow.baseUrl() + "/v1beta/models/gemini-2.5-flash:streamGenerateContent"))
              .header("x-goog-api-key", "k")
              .POST(HttpRequest.BodyPublishers.ofString(REQUEST))
              .build();
      long sent = System.nanoTime();
      List<Long> arrivals = new ArrayList<>();
      HTTP.send(request, HttpResponse.BodyHandlers.ofLines())
          .body()
          .filter(line -> line.startsWith("data: "))
          .forEach(line -> arrivals.add((System.nanoTime() - sent) / 1_000_000));

      assertThat(arrivals).hasSize(4);
      // Chunk i of 4 is due at 3 s * (i + 1) / 4: the first at 750 ms, the last at 3 s. Sent in
      // one piece at the end, the first would arrive after 3 s too.
      assertThat(arrivals.get(0)).isLessThan(2_250);
      assertThat(arrivals.get(3)).isGreaterThanOrEqualTo(3_000);
      assertThat(arrivals).isSorted();
    }
  }

  @Test
  void
      aFaultForSomeMilliseconds_hitsEveryMatchingCallMeanwhile_whateverItsTimes_andIsGoneAfterwards()
          throws Exception {
    HttpResponse<String> queued =
        post(
            "/admin/faults",
            "{\"status\": 503, \"forMs\": 800, \"times\": 1, \"match\": \"find buyers\"}",
            null);
    assertThat(queued.statusCode()).isEqualTo(204);

    for (int i = 0; i < 5; i++) {
      assertThat(generate()).isEqualTo(503);
    }
    Thread.sleep(900);
    assertThat(generate()).isEqualTo(200);
    assertThat(generate()).isEqualTo(200);
    JsonNode calls = recordedCalls();
    assertThat(calls).hasSize(7);
    assertThat(calls.get(0).at("/fault/forMs").asLong()).isEqualTo(800);
    assertThat(calls.get(6).has("fault")).isFalse();
  }

  @Test
  void aFaultForSomeMilliseconds_leavesCountedFaultsQueuedAfterIt_forWhenItEnds() throws Exception {
    standin.inject(Fault.httpError(429).lasting(500), Fault.httpError(500));

    assertThat(generate()).isEqualTo(429);
    assertThat(generate()).isEqualTo(429);
    Thread.sleep(600);
    assertThat(generate()).isEqualTo(500);
    assertThat(generate()).isEqualTo(200);
  }

  @Test
  void retryAfter_isAnsweredAsGeminiDoes_inTheHeaderAndAsRetryInfoInTheErrorDetails()
      throws Exception {
    post(
        "/admin/faults",
        "{\"status\": 429, \"retryAfterSeconds\": 7, \"message\": \"Quota exceeded.\"}",
        null);

    HttpResponse<String> limited =
        post("/v1beta/models/gemini-2.5-flash:generateContent", REQUEST, "k");

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).hasValue("7");
    JsonNode error = JSON.readTree(limited.body()).get("error");
    assertThat(error.get("message").asText()).isEqualTo("Quota exceeded.");
    assertThat(error.get("status").asText()).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(error.at("/details/0/@type").asText())
        .isEqualTo("type.googleapis.com/google.rpc.RetryInfo");
    assertThat(error.at("/details/0/retryDelay").asText()).isEqualTo("7s");

    assertThat(post("/admin/faults", "{\"retryAfterSeconds\": 7}", null).statusCode())
        .as("a Retry-After without an error status")
        .isEqualTo(400);
    HttpResponse<String> plain = post("/admin/faults", "{\"status\": 429}", null);
    assertThat(plain.statusCode()).isEqualTo(204);
    HttpResponse<String> withoutDelay =
        post("/v1beta/models/gemini-2.5-flash:generateContent", REQUEST, "k");
    assertThat(withoutDelay.headers().firstValue("Retry-After")).isEmpty();
    assertThat(JSON.readTree(withoutDelay.body()).at("/error/details").isMissingNode()).isTrue();
  }

  @Test
  void callsAreRecordedWithTheCallersMissionStepAndAttempt_andWithoutThemWhenNotSent()
      throws Exception {
    post(
        "/v1beta/models/gemini-2.5-flash:generateContent",
        REQUEST,
        "k",
        "x-gpilot-mission-id",
        "m-42",
        "x-gpilot-step-id",
        "_plan",
        "x-gpilot-attempt",
        "2");
    post("/v1beta/models/gemini-2.5-flash:generateContent", REQUEST, "k");
    post(
        "/v1beta/models/gemini-2.5-flash:generateContent",
        REQUEST,
        null,
        "x-gpilot-mission-id",
        "m-43",
        "x-gpilot-step-id",
        "s1",
        "x-gpilot-attempt",
        "one");

    JsonNode calls = recordedCalls();
    assertThat(calls.get(0).get("missionId").asText()).isEqualTo("m-42");
    assertThat(calls.get(0).get("stepId").asText()).isEqualTo("_plan");
    assertThat(calls.get(0).get("attempt").asInt()).isEqualTo(2);
    assertThat(calls.get(1).has("missionId")).isFalse();
    assertThat(calls.get(1).has("stepId")).isFalse();
    assertThat(calls.get(1).has("attempt")).isFalse();
    assertThat(calls.get(2).get("status").asInt())
        .isEqualTo(403); // refused calls are recorded with their caller
    assertThat(calls.get(2).get("missionId").asText()).isEqualTo("m-43");
    assertThat(calls.get(2).has("attempt")).isFalse();
    assertThat(standin.calls().get(0).attempt()).isEqualTo(2);
  }

  @Test
  void injectedErrors_carryTheGoogleRpcStatusOfTheirHttpCode_asGeminiAnswers() throws Exception {
    // google.rpc.Code's HTTP mapping (what the SDK and our retry rules read)
    Map<Integer, String> expected =
        Map.of(
            400,
            "INVALID_ARGUMENT",
            401,
            "UNAUTHENTICATED",
            403,
            "PERMISSION_DENIED",
            404,
            "NOT_FOUND",
            500,
            "INTERNAL",
            503,
            "UNAVAILABLE",
            504,
            "DEADLINE_EXCEEDED",
            409,
            "FAILED_PRECONDITION");
    for (Map.Entry<Integer, String> e : expected.entrySet()) {
      assertThat(post("/admin/faults", "{\"status\": " + e.getKey() + "}", null).statusCode())
          .isEqualTo(204);
      HttpResponse<String> answer =
          post("/v1beta/models/gemini-2.5-flash:generateContent", REQUEST, "k");
      assertThat(answer.statusCode()).isEqualTo(e.getKey());
      JsonNode error = JSON.readTree(answer.body()).get("error");
      assertThat(error.get("code").asInt()).isEqualTo(e.getKey());
      assertThat(error.get("status").asText()).as("%d", e.getKey()).isEqualTo(e.getValue());
      assertThat(error.get("message").asText()).isNotBlank();
    }
  }

  @Test
  void badAdminAndModelRequests_areAnswered400WithTheReason_unknownPaths404() throws Exception {
    assertBadRequest(
        post("/admin/faults", "{\"status\": 200}", null),
        "status must be an HTTP error status, 400..599");
    assertBadRequest(post("/admin/faults", "{\"times\": 0}", null), "times must be >= 1");
    assertBadRequest(post("/admin/faults", "{\"delayMs\": -1}", null), "delayMs must be >= 0");
    assertBadRequest(post("/admin/faults", "{\"forMs\": 0}", null), "forMs must be >= 1");
    assertBadRequest(post("/admin/faults", "{not json", null), "");
    assertBadRequest(
        post("/v1beta/models/gemini-2.5-flash:generateContent", "[1, 2]", "k"),
        "the request body must be a JSON object");

    HttpResponse<String> unknown =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(standin.baseUrl() + "/v1/nope")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).at("/error/message").asText())
        .isEqualTo("no such endpoint: GET /v1/nope");
  }

  @Test
  void theAdminEndpoints_clearFaultsAndCalls_andHealthSaysUp() throws Exception {
    post("/admin/faults", "{\"status\": 500, \"times\": 5}", null);
    assertThat(delete("/admin/faults").statusCode()).isEqualTo(204);
    assertThat(generate()).as("no fault left").isEqualTo(200);
    assertThat(recordedCalls()).hasSize(1);
    assertThat(delete("/admin/calls").statusCode()).isEqualTo(204);
    assertThat(recordedCalls()).isEmpty();
    HttpResponse<String> health =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(standin.baseUrl() + "/health")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("UP");
  }

  @Test
  void aFaultsText_isTheAnswer_andTheKeyMayComeAsAQueryParameter() throws Exception {
    post("/admin/faults", "{\"text\": \"exactly this\", \"model\": \"gemini-2.5-pro\"}", null);
    assertThat(
            JSON.readTree(
                    post("/v1beta/models/gemini-2.5-flash:generateContent?key=k", REQUEST, null)
                        .body())
                .at("/candidates/0/content/parts/0/text")
                .asText())
        .as("another model: not this fault")
        .isNotEqualTo("exactly this");
    JsonNode pro =
        JSON.readTree(
            post("/v1beta/models/gemini-2.5-pro:generateContent?alt=json&key=k", REQUEST, null)
                .body());
    assertThat(pro.at("/candidates/0/content/parts/0/text").asText()).isEqualTo("exactly this");
    assertThat(recordedCalls().get(1).get("apiKeySha256").asText())
        .isEqualTo(GeminiStandin.sha256("k"));
  }

  private static HttpResponse<String> delete(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(standin.baseUrl() + path)).DELETE().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void assertBadRequest(HttpResponse<String> response, String reason)
      throws Exception {
    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode error = JSON.readTree(response.body()).get("error");
    assertThat(error.get("status").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(error.get("message").asText()).contains(reason);
  }
}
