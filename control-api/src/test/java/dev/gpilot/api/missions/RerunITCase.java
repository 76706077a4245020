package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.tenancy.Role;
import dev.gpilot.jobs.LocalMissionJob;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.jobs.agents.AgentOptions;
import dev.gpilot.jobs.agents.gemini.ApiKey;
import dev.gpilot.jobs.agents.gemini.DeploymentKey;
import dev.gpilot.jobs.agents.gemini.GeminiOptions;
import dev.gpilot.standin.CallRecord;
import dev.gpilot.standin.Fault;
import dev.gpilot.standin.GeminiStandin;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.Schemas;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Forks ({@code POST /api/v1/missions/{id}/rerun}) through real parts: the API, Kafka, the MissionJob on a
 * MiniCluster, the google-genai SDK and the Gemini stand-in over HTTP. What a user checks: a finished mission forked
 * onto another model streams and completes with {@code rerunOf}; the steps it reuses called no model and cost
 * nothing; the steps it ran again called the new model; the original is unchanged; bad requests are problems.
 */
class RerunITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static final String TOKEN = "rerun-token";
  private static final String VIEWER = "rerun-viewer";
  private static final String OTHER = "rerun-other-workspace";
  private static final String KEY = "itcase-gemini-key-5d21";
  private static final String NEW_MODEL = "gemini-2.5-flash-lite";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static GeminiStandin standin;
  private static JobClient job;
  private static ControlApi api;
  private static String base;

  @BeforeAll
  static void start() throws Exception {
    standin = GeminiStandin.start(20);
    Path checkpoints = Files.createTempDirectory("checkpoints");
    MissionJobOptions options = MissionJobOptions.of(KAFKA.bootstrapServers(), CLICKHOUSE.url(), CLICKHOUSE.database())
        .withAgents(AgentOptions.gemini(
                GeminiOptions.of(DeploymentKey.insecureInJobGraph(ApiKey.of(KEY)), standin.baseUrl()))
            .withRetries(3, Duration.ofMillis(50), Duration.ofMillis(500)));
    job = LocalMissionJob.start(options, LocalMissionJob.localConfiguration(checkpoints, 2, 0, 1000));
    api = new ControlApi(new ApiOptions("127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 10_000, 4),
        TokenAuthenticator.of(Map.of(TOKEN, new Principal("default", "tester"),
            VIEWER, new Principal("default", "watcher", Role.VIEWER, null),
            OTHER, new Principal("elsewhere", "stranger")))).start();
    base = "http://127.0.0.1:" + api.port();
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
    if (job != null) {
      job.cancel().get();
    }
    if (standin != null) {
      standin.close();
    }
  }

  private static JsonNode json(String text) throws Exception {
    return Json.mapper().readTree(text);
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + TOKEN)
        .timeout(Duration.ofSeconds(120)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, String token, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String submit(String mission, String... agents) throws Exception {
    String body = "{\"mission\":\"" + mission + "\",\"config\":{\"planner\":\"deterministic\",\"explicitAgents\":["
        + String.join(",", Stream.of(agents).map(a -> "\"" + a + "\"").toList()) + "]}}";
    HttpResponse<String> accepted = post("/api/v1/missions", TOKEN, body);
    assertThat(accepted.statusCode()).isEqualTo(202);
    return json(accepted.body()).get("missionId").asText();
  }

  /** The mission's events, read to the end as NDJSON. */
  private static List<JsonNode> events(String missionId) throws Exception {
    HttpResponse<Stream<String>> response = HTTP.send(HttpRequest.newBuilder(
            URI.create(base + "/api/v1/missions/" + missionId + "/events"))
        .header("Authorization", "Bearer " + TOKEN).header("Accept", "application/x-ndjson")
        .timeout(Duration.ofSeconds(120)).GET().build(), HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    List<JsonNode> events = new ArrayList<>();
    try (Stream<String> lines = response.body()) {
      for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
        String line = it.next();
        if (!line.isBlank()) {
          events.add(json(line));
        }
      }
    }
    return events;
  }

  private static List<JsonNode> completed(List<JsonNode> events) {
    return events.stream().filter(e -> e.get("type").asText().equals(EventTypes.STEP_COMPLETED)).toList();
  }

  private static void assertProblem(HttpResponse<String> response, int status, String type) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("application/problem+json");
    assertThat(json(response.body()).get("type").asText()).isEqualTo("/problems/" + type);
  }

  @Test
  void aFinishedMissionForkedOntoAnotherModel_streamsAndCompletes_reusingItsFirstStepWithoutAModelCall()
      throws Exception {
    String original = submit("Launch the spring rain jackets", "agent-scout", "seo-analyst", "independent-verifier");
    List<JsonNode> originalEvents = events(original);
    assertThat(originalEvents.get(originalEvents.size() - 1).get("type").asText())
        .isEqualTo(EventTypes.MISSION_COMPLETED);
    JsonNode originalBefore = json(get("/api/v1/missions/" + original).body());
    JsonNode s1Output = completed(originalEvents).get(0).get("output");

    standin.clearCalls();
    HttpResponse<String> accepted = post("/api/v1/missions/" + original + "/rerun", TOKEN,
        "{\"model\": \"" + NEW_MODEL + "\", \"fromStep\": \"s2\"}");
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    JsonNode body = json(accepted.body());
    String fork = body.get("missionId").asText();
    assertThat(fork).isNotEqualTo(original);
    assertThat(body.get("rerunOf").asText()).isEqualTo(original);
    assertThat(body.at("/links/stream").asText()).isEqualTo("/api/v1/missions/" + fork + "/stream");
    assertThat(accepted.headers().firstValue("Location")).hasValue("/api/v1/missions/" + fork);

    List<JsonNode> events = events(fork);
    events.forEach(e -> assertThat(Schemas.problems("mission-event.v1", e)).as(e.toString()).isEmpty());
    assertThat(events.get(0).get("rerunOf").asText()).isEqualTo(original);
    assertThat(events.get(events.size() - 1).get("type").asText()).isEqualTo(EventTypes.MISSION_COMPLETED);
    // The same plan, not planned again.
    JsonNode plan = events.stream().filter(e -> e.get("type").asText().equals(EventTypes.PLAN_READY)).findFirst()
        .orElseThrow().get("plan");
    assertThat(plan).isEqualTo(originalEvents.stream().filter(e -> e.get("type").asText()
        .equals(EventTypes.PLAN_READY)).findFirst().orElseThrow().get("plan"));
    List<JsonNode> steps = completed(events);
    assertThat(steps).extracting(e -> e.get("stepId").asText()).containsExactly("s1", "s2", "s3");
    JsonNode reused = steps.get(0);
    assertThat(reused.get("reused").asBoolean()).isTrue();
    assertThat(reused.get("costMicros").asLong()).isZero();
    assertThat(reused.has("model")).isFalse();
    assertThat(reused.get("output")).isEqualTo(s1Output);
    assertThat(events.stream().filter(e -> e.get("type").asText().equals(EventTypes.STEP_STARTED))
        .map(e -> e.get("stepId").asText())).containsExactly("s2", "s3");
    for (JsonNode rerun : steps.subList(1, 3)) {
      assertThat(rerun.has("reused")).isFalse();
      assertThat(rerun.get("model").asText()).isEqualTo("gpilot-standin/" + NEW_MODEL);
      assertThat(rerun.get("costMicros").asLong()).isPositive();
    }

    // The stand-in's call log: the fork called the new model for s2 and s3 only, never for s1.
    List<CallRecord> forkCalls = standin.calls().stream().filter(c -> fork.equals(c.missionId())).toList();
    assertThat(forkCalls).extracting(CallRecord::stepId).containsExactlyInAnyOrder("s2", "s3");
    assertThat(forkCalls).extracting(CallRecord::model).containsOnly(NEW_MODEL);

    JsonNode forkView = json(get("/api/v1/missions/" + fork).body());
    assertThat(forkView.get("rerunOf").asText()).isEqualTo(original);
    assertThat(forkView.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(forkView.at("/steps/0/reused").asBoolean()).isTrue();
    assertThat(forkView.at("/steps/0/costMicros").asLong()).isZero();
    assertThat(forkView.at("/steps/0/attempts").asInt()).isZero();
    assertThat(forkView.get("costMicros").asLong())
        .isEqualTo(steps.get(1).get("costMicros").asLong() + steps.get(2).get("costMicros").asLong());
    assertThat(forkView.get("models").toString()).contains(NEW_MODEL).doesNotContain("gemini-2.5-pro");

    // The AI SDK stream of the fork: its reused step is marked, at no cost.
    HttpResponse<String> sse = get("/api/v1/missions/" + fork + "/stream");
    assertThat(sse.statusCode()).isEqualTo(200);
    assertThat(sse.body()).contains("\"reused\":true", "a rerun of " + original).endsWith("data: [DONE]\n\n");

    // The original is untouched.
    JsonNode originalAfter = json(get("/api/v1/missions/" + original).body());
    assertThat(originalAfter.get("lastSeq")).isEqualTo(originalBefore.get("lastSeq"));
    assertThat(originalAfter.get("costMicros")).isEqualTo(originalBefore.get("costMicros"));
    assertThat(originalAfter.has("rerunOf")).isFalse();
  }

  @Test
  void aForkWithoutFromStep_runsEveryStepAgain_onEachAgentsOwnModelWhenNoneIsNamed() throws Exception {
    String original = submit("Audit the outlet page", "agent-scout", "seo-analyst");
    events(original);
    HttpResponse<String> accepted = post("/api/v1/missions/" + original + "/rerun", TOKEN, "");
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    String fork = json(accepted.body()).get("missionId").asText();
    List<JsonNode> steps = completed(events(fork));
    assertThat(steps).hasSize(2).allSatisfy(s -> {
      assertThat(s.has("reused")).isFalse();
      assertThat(s.get("model").asText()).isEqualTo("gpilot-standin/gemini-2.5-flash");
    });
  }

  @Test
  void badReruns_areProblems_andWriteNothing() throws Exception {
    String text = "Plan the autumn catalogue slowly";
    standin.inject(Fault.slow(3_000).matching(text));
    String running = submit(text, "agent-scout");
    assertProblem(post("/api/v1/missions/" + running + "/rerun", TOKEN, "{}"), 409, "mission-unfinished");
    List<JsonNode> runningEvents = events(running);

    String finished = running;
    assertThat(runningEvents.get(runningEvents.size() - 1).get("type").asText())
        .isEqualTo(EventTypes.MISSION_COMPLETED);
    assertProblem(post("/api/v1/missions/no-such-mission/rerun", TOKEN, "{}"), 404, "not-found");
    assertProblem(post("/api/v1/missions/" + finished + "/rerun", OTHER, "{}"), 404, "not-found");
    assertProblem(post("/api/v1/missions/" + finished + "/rerun", VIEWER, "{}"), 403, "forbidden");
    assertProblem(post("/api/v1/missions/" + finished + "/rerun", TOKEN, "{\"fromStep\": \"s9\"}"), 422,
        "unknown-step");
    assertProblem(post("/api/v1/missions/" + finished + "/rerun", TOKEN, "{\"model\": \"gpt-4o\"}"), 422,
        "unknown-model");
    assertProblem(post("/api/v1/missions/" + finished + "/rerun", TOKEN, "{\"model\": \"Gemini Pro!\"}"), 400,
        "invalid-request");
    assertProblem(post("/api/v1/missions/" + finished + "/rerun", TOKEN, "{\"model\": 3}"), 400,
        "invalid-request");
    assertProblem(post("/api/v1/missions/" + finished + "/rerun", TOKEN, "{\"modle\": \"gemini-2.5-pro\"}"), 400,
        "invalid-request");
    assertProblem(post("/api/v1/missions/" + finished + "/rerun", TOKEN, "[1]"), 400, "invalid-request");
    assertProblem(post("/api/v1/missions/" + finished + "/rerun", TOKEN, "{not json"), 400, "invalid-request");
  }
}
