package dev.gpilot.api.missions;

import static dev.gpilot.api.testing.ApiClient.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.MissionStack;
import dev.gpilot.api.testing.StoredRows;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.tenancy.Role;
import dev.gpilot.standin.CallRecord;
import dev.gpilot.standin.Fault;
import dev.gpilot.testing.Schemas;
import dev.gpilot.testing.TopicOffsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Forks ({@code POST /api/v1/missions/{id}/rerun}) through real parts: the API, Kafka, the
 * MissionJob on a MiniCluster, the google-genai SDK and the Gemini stand-in over HTTP. What a user
 * checks: a finished mission forked onto another model streams and completes with {@code rerunOf};
 * the steps it reuses called no model and cost nothing; the steps it ran again called the new
 * model; the original is unchanged; bad requests are problems; a rerun retried under its
 * Idempotency-Key is the same fork, also once it left the API's memory and the topics.
 */
class RerunITCase {
  private static final String TOKEN = "rerun-token";
  private static final String VIEWER = "rerun-viewer";
  private static final String OTHER = "rerun-other-workspace";
  private static final String KEY = "itcase-gemini-key-5d21";
  private static final String NEW_MODEL = "gemini-2.5-flash-lite";

  @RegisterExtension
  static final MissionStack STACK =
      MissionStack.builder()
          .standin(20)
          .geminiKey(KEY)
          .apiClickHouse()
          .token(TOKEN, new Principal("default", "tester"))
          .token(VIEWER, new Principal("default", "watcher", Role.VIEWER, null))
          .token(OTHER, new Principal("elsewhere", "stranger"))
          .build();

  private static final ApiClient api = STACK.client(TOKEN);

  private static ApiClient.Response get(String path) throws Exception {
    return api.get(path);
  }

  private static ApiClient.Response post(String path, String token, String body) throws Exception {
    return api.as(token).post(path, body);
  }

  private static List<JsonNode> completed(List<JsonNode> events) {
    return events.stream()
        .filter(e -> e.get("type").asText().equals(EventTypes.STEP_COMPLETED))
        .toList();
  }

  @Test
  void
      aFinishedMissionForkedOntoAnotherModel_streamsAndCompletes_reusingItsFirstStepWithoutAModelCall()
          throws Exception {
    String original =
        api.submit(
            "Launch the spring rain jackets", "agent-scout", "seo-analyst", "independent-verifier");
    List<JsonNode> originalEvents = api.events(original);
    assertThat(originalEvents.get(originalEvents.size() - 1).get("type").asText())
        .isEqualTo(EventTypes.MISSION_COMPLETED);
    JsonNode originalBefore = get("/api/v1/missions/" + original).json();
    JsonNode s1Output = completed(originalEvents).get(0).get("output");

    STACK.standin().clearCalls();
    ApiClient.Response accepted =
        post(
            "/api/v1/missions/" + original + "/rerun",
            TOKEN,
            "{\"model\": \"" + NEW_MODEL + "\", \"fromStep\": \"s2\"}");
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    JsonNode body = accepted.json();
    String fork = body.get("missionId").asText();
    assertThat(fork).isNotEqualTo(original);
    assertThat(body.get("rerunOf").asText()).isEqualTo(original);
    assertThat(body.at("/links/stream").asText()).isEqualTo("/api/v1/missions/" + fork + "/stream");
    assertThat(accepted.header("Location")).hasValue("/api/v1/missions/" + fork);

    List<JsonNode> events = api.events(fork);
    events.forEach(
        e -> assertThat(Schemas.problems("mission-event.v1", e)).as(e.toString()).isEmpty());
    assertThat(events.get(0).get("rerunOf").asText()).isEqualTo(original);
    assertThat(events.get(events.size() - 1).get("type").asText())
        .isEqualTo(EventTypes.MISSION_COMPLETED);
    // The same plan, not planned again.
    JsonNode plan =
        events.stream()
            .filter(e -> e.get("type").asText().equals(EventTypes.PLAN_READY))
            .findFirst()
            .orElseThrow()
            .get("plan");
    assertThat(plan)
        .isEqualTo(
            originalEvents.stream()
                .filter(e -> e.get("type").asText().equals(EventTypes.PLAN_READY))
                .findFirst()
                .orElseThrow()
                .get("plan"));
    List<JsonNode> steps = completed(events);
    assertThat(steps).extracting(e -> e.get("stepId").asText()).containsExactly("s1", "s2", "s3");
    JsonNode reused = steps.get(0);
    assertThat(reused.get("reused").asBoolean()).isTrue();
    assertThat(reused.get("costMicros").asLong()).isZero();
    assertThat(reused.has("model")).isFalse();
    assertThat(reused.get("output")).isEqualTo(s1Output);
    assertThat(
            events.stream()
                .filter(e -> e.get("type").asText().equals(EventTypes.STEP_STARTED))
                .map(e -> e.get("stepId").asText()))
        .containsExactly("s2", "s3");
    for (JsonNode rerun : steps.subList(1, 3)) {
      assertThat(rerun.has("reused")).isFalse();
      assertThat(rerun.get("model").asText()).isEqualTo("gpilot-standin/" + NEW_MODEL);
      assertThat(rerun.get("costMicros").asLong()).isPositive();
    }

    // The stand-in's call log: the fork called the new model for s2 and s3 only, never for s1.
    List<CallRecord> forkCalls =
        STACK.standin().calls().stream().filter(c -> fork.equals(c.missionId())).toList();
    assertThat(forkCalls).extracting(CallRecord::stepId).containsExactlyInAnyOrder("s2", "s3");
    assertThat(forkCalls).extracting(CallRecord::model).containsOnly(NEW_MODEL);

    JsonNode forkView = get("/api/v1/missions/" + fork).json();
    assertThat(forkView.get("rerunOf").asText()).isEqualTo(original);
    assertThat(forkView.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(forkView.at("/steps/0/reused").asBoolean()).isTrue();
    assertThat(forkView.at("/steps/0/costMicros").asLong()).isZero();
    assertThat(forkView.at("/steps/0/attempts").asInt()).isZero();
    assertThat(forkView.get("costMicros").asLong())
        .isEqualTo(
            steps.get(1).get("costMicros").asLong() + steps.get(2).get("costMicros").asLong());
    assertThat(forkView.get("models").toString())
        .contains(NEW_MODEL)
        .doesNotContain("gemini-2.5-pro");

    // The AI SDK stream of the fork: its reused step is marked, at no cost.
    ApiClient.Response sse = get("/api/v1/missions/" + fork + "/stream");
    assertThat(sse.status()).isEqualTo(200);
    assertThat(sse.body())
        .contains("\"reused\":true", "a rerun of " + original)
        .endsWith("data: [DONE]\n\n");

    // The original is untouched.
    JsonNode originalAfter = get("/api/v1/missions/" + original).json();
    assertThat(originalAfter.get("lastSeq")).isEqualTo(originalBefore.get("lastSeq"));
    assertThat(originalAfter.get("costMicros")).isEqualTo(originalBefore.get("costMicros"));
    assertThat(originalAfter.has("rerunOf")).isFalse();
  }

  @Test
  void aForkWithoutFromStep_runsEveryStepAgain_onEachAgentsOwnModelWhenNoneIsNamed()
      throws Exception {
    String original = api.submit("Audit the outlet page", "agent-scout", "seo-analyst");
    api.events(original);
    ApiClient.Response accepted = post("/api/v1/missions/" + original + "/rerun", TOKEN, "");
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    String fork = accepted.json().get("missionId").asText();
    List<JsonNode> steps = completed(api.events(fork));
    assertThat(steps)
        .hasSize(2)
        .allSatisfy(
            s -> {
              assertThat(s.has("reused")).isFalse();
              assertThat(s.get("model").asText()).isEqualTo("gpilot-standin/gemini-2.5-flash");
            });
  }

  @Test
  void badReruns_areProblems_andWriteNothing() throws Exception {
    String text = "Plan the autumn catalogue slowly";
    STACK.standin().inject(Fault.slow(3_000).matching(text));
    String running = api.submit(text, "agent-scout");
    assertProblem(
        post("/api/v1/missions/" + running + "/rerun", TOKEN, "{}"), 409, "mission-unfinished");
    List<JsonNode> runningEvents = api.events(running);

    String finished = running;
    assertThat(runningEvents.get(runningEvents.size() - 1).get("type").asText())
        .isEqualTo(EventTypes.MISSION_COMPLETED);
    assertProblem(post("/api/v1/missions/no-such-mission/rerun", TOKEN, "{}"), 404, "not-found");
    assertProblem(post("/api/v1/missions/" + finished + "/rerun", OTHER, "{}"), 404, "not-found");
    assertProblem(post("/api/v1/missions/" + finished + "/rerun", VIEWER, "{}"), 403, "forbidden");
    assertProblem(
        post("/api/v1/missions/" + finished + "/rerun", TOKEN, "{\"fromStep\": \"s9\"}"),
        422,
        "unknown-step");
    assertProblem(
        post("/api/v1/missions/" + finished + "/rerun", TOKEN, "{\"model\": \"gpt-4o\"}"),
        422,
        "unknown-model");
    assertProblem(
        post("/api/v1/missions/" + finished + "/rerun", TOKEN, "{\"model\": \"Gemini Pro!\"}"),
        400,
        "invalid-request");
    assertProblem(
        post("/api/v1/missions/" + finished + "/rerun", TOKEN, "{\"model\": 3}"),
        400,
        "invalid-request");
    assertProblem(
        post("/api/v1/missions/" + finished + "/rerun", TOKEN, "{\"modle\": \"gemini-2.5-pro\"}"),
        400,
        "invalid-request");
    assertProblem(
        post("/api/v1/missions/" + finished + "/rerun", TOKEN, "[1]"), 400, "invalid-request");
    assertProblem(
        post("/api/v1/missions/" + finished + "/rerun", TOKEN, "{not json"),
        400,
        "invalid-request");
  }

  private static ApiClient.Response rerun(String original, String body, String key)
      throws Exception {
    return api.send(
        "POST",
        "/api/v1/missions/" + original + "/rerun",
        "application/json",
        body,
        Map.of("Idempotency-Key", key));
  }

  private static void assertReplayed(ApiClient.Response response, String fork, String original)
      throws Exception {
    assertThat(response.status()).as(response.body()).isEqualTo(202);
    assertThat(response.header("Idempotent-Replayed")).hasValue("true");
    assertThat(response.json().get("missionId").asText()).isEqualTo(fork);
    assertThat(response.json().get("rerunOf").asText()).isEqualTo(original);
    assertThat(response.header("Location")).hasValue("/api/v1/missions/" + fork);
  }

  /** The forks of {@code original} the job accepted, as ClickHouse stores their first events. */
  private static List<String> forksOf(String original) {
    return StoredRows.forksOf(STACK.clickhouse(), original);
  }

  private static long missionsOnTopic() throws Exception {
    return TopicOffsets.endOffsetSum(STACK.kafka().clientProperties(), Topics.MISSIONS);
  }

  @Test
  void
      aRerunRetriedWithItsIdempotencyKey_isTheSameFork_alsoAfterARestart_andAnotherRequestUnderItIs422()
          throws Exception {
    String original = api.submit("Price the winter boots", "agent-scout", "seo-analyst");
    api.events(original);
    String body = "{\"model\": \"" + NEW_MODEL + "\", \"fromStep\": \"s2\"}";

    ApiClient.Response first = rerun(original, body, "boots-fork-1");
    assertThat(first.status()).as(first.body()).isEqualTo(202);
    assertThat(first.header("Idempotent-Replayed")).isEmpty();
    String fork = first.json().get("missionId").asText();
    long written = missionsOnTopic();

    String sameRequest = "{\"fromStep\": \"s2\", \"model\": \"" + NEW_MODEL + "\"}";
    assertReplayed(rerun(original, sameRequest, "boots-fork-1"), fork, original);
    assertProblem(
        rerun(original, "{\"model\": \"" + NEW_MODEL + "\"}", "boots-fork-1"),
        422,
        "idempotency-key-reused");
    assertProblem(rerun(original, "{}", "boots-fork-1"), 422, "idempotency-key-reused");
    assertProblem(
        api.send(
            "POST",
            "/api/v1/missions",
            "application/json",
            "{\"mission\": \"Price the boots\"}",
            Map.of("Idempotency-Key", "boots-fork-1")),
        422,
        "idempotency-key-reused");
    assertThat(missionsOnTopic()).as("records on the missions topic").isEqualTo(written);
    assertThat(api.events(fork).get(0).get("rerunModel").asText()).isEqualTo(NEW_MODEL);
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(forksOf(original)).containsExactly(fork));

    // What 7-day retention does, at once, and a restart: only ClickHouse knows the fork now.
    TopicOffsets.deleteAllRecords(
        STACK.kafka().clientProperties(), List.of(Topics.MISSIONS, Topics.MISSION_EVENTS));
    STACK.restartApi();

    assertReplayed(rerun(original, body, "boots-fork-1"), fork, original);
    assertProblem(
        rerun(original, "{\"fromStep\": \"s1\"}", "boots-fork-1"), 422, "idempotency-key-reused");
    assertThat(missionsOnTopic()).as("records on the missions topic").isEqualTo(written);
    assertThat(forksOf(original)).containsExactly(fork);
    // Another key is another fork.
    ApiClient.Response other = rerun(original, body, "boots-fork-2");
    assertThat(other.status()).as(other.body()).isEqualTo(202);
    assertThat(other.json().get("missionId").asText()).isNotEqualTo(fork);
    assertThat(missionsOnTopic()).isEqualTo(written + 1);
  }
}
