package dev.gpilot.api.missions;

import static dev.gpilot.api.testing.ApiClient.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.MissionStack;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.tenancy.Role;
import dev.gpilot.standin.CallRecord;
import dev.gpilot.standin.Fault;
import dev.gpilot.testing.Schemas;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Forks ({@code POST /api/v1/missions/{id}/rerun}) through real parts: the API, Kafka, the MissionJob on a
 * MiniCluster, the google-genai SDK and the Gemini stand-in over HTTP. What a user checks: a finished mission forked
 * onto another model streams and completes with {@code rerunOf}; the steps it reuses called no model and cost
 * nothing; the steps it ran again called the new model; the original is unchanged; bad requests are problems.
 */
class RerunITCase {
  private static final String TOKEN = "rerun-token";
  private static final String VIEWER = "rerun-viewer";
  private static final String OTHER = "rerun-other-workspace";
  private static final String KEY = "itcase-gemini-key-5d21";
  private static final String NEW_MODEL = "gemini-2.5-flash-lite";
  @RegisterExtension static final MissionStack STACK = MissionStack.builder().standin(20).geminiKey(KEY)
      .token(TOKEN, new Principal("default", "tester"))
      .token(VIEWER, new Principal("default", "watcher", Role.VIEWER, null))
      .token(OTHER, new Principal("elsewhere", "stranger")).build();

  private static final ApiClient api = STACK.client(TOKEN);

  private static ApiClient.Response get(String path) throws Exception {
    return api.get(path);
  }

  private static ApiClient.Response post(String path, String token, String body) throws Exception {
    return api.as(token).post(path, body);
  }

  private static List<JsonNode> completed(List<JsonNode> events) {
    return events.stream().filter(e -> e.get("type").asText().equals(EventTypes.STEP_COMPLETED)).toList();
  }

  @Test
  void aFinishedMissionForkedOntoAnotherModel_streamsAndCompletes_reusingItsFirstStepWithoutAModelCall()
      throws Exception {
    String original = api.submit("Launch the spring rain jackets", "agent-scout", "seo-analyst", "independent-verifier");
    List<JsonNode> originalEvents = api.events(original);
    assertThat(originalEvents.get(originalEvents.size() - 1).get("type").asText())
        .isEqualTo(EventTypes.MISSION_COMPLETED);
    JsonNode originalBefore = get("/api/v1/missions/" + original).json();
    JsonNode s1Output = completed(originalEvents).get(0).get("output");

    STACK.standin().clearCalls();
    ApiClient.Response accepted = post("/api/v1/missions/" + original + "/rerun", TOKEN,
        "{\"model\": \"" + NEW_MODEL + "\", \"fromStep\": \"s2\"}");
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    JsonNode body = accepted.json();
    String fork = body.get("missionId").asText();
    assertThat(fork).isNotEqualTo(original);
    assertThat(body.get("rerunOf").asText()).isEqualTo(original);
    assertThat(body.at("/links/stream").asText()).isEqualTo("/api/v1/missions/" + fork + "/stream");
    assertThat(accepted.header("Location")).hasValue("/api/v1/missions/" + fork);

    List<JsonNode> events = api.events(fork);
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
    List<CallRecord> forkCalls = STACK.standin().calls().stream().filter(c -> fork.equals(c.missionId())).toList();
    assertThat(forkCalls).extracting(CallRecord::stepId).containsExactlyInAnyOrder("s2", "s3");
    assertThat(forkCalls).extracting(CallRecord::model).containsOnly(NEW_MODEL);

    JsonNode forkView = get("/api/v1/missions/" + fork).json();
    assertThat(forkView.get("rerunOf").asText()).isEqualTo(original);
    assertThat(forkView.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(forkView.at("/steps/0/reused").asBoolean()).isTrue();
    assertThat(forkView.at("/steps/0/costMicros").asLong()).isZero();
    assertThat(forkView.at("/steps/0/attempts").asInt()).isZero();
    assertThat(forkView.get("costMicros").asLong())
        .isEqualTo(steps.get(1).get("costMicros").asLong() + steps.get(2).get("costMicros").asLong());
    assertThat(forkView.get("models").toString()).contains(NEW_MODEL).doesNotContain("gemini-2.5-pro");

    // The AI SDK stream of the fork: its reused step is marked, at no cost.
    ApiClient.Response sse = get("/api/v1/missions/" + fork + "/stream");
    assertThat(sse.status()).isEqualTo(200);
    assertThat(sse.body()).contains("\"reused\":true", "a rerun of " + original).endsWith("data: [DONE]\n\n");

    // The original is untouched.
    JsonNode originalAfter = get("/api/v1/missions/" + original).json();
    assertThat(originalAfter.get("lastSeq")).isEqualTo(originalBefore.get("lastSeq"));
    assertThat(originalAfter.get("costMicros")).isEqualTo(originalBefore.get("costMicros"));
    assertThat(originalAfter.has("rerunOf")).isFalse();
  }

  @Test
  void aForkWithoutFromStep_runsEveryStepAgain_onEachAgentsOwnModelWhenNoneIsNamed() throws Exception {
    String original = api.submit("Audit the outlet page", "agent-scout", "seo-analyst");
    api.events(original);
    ApiClient.Response accepted = post("/api/v1/missions/" + original + "/rerun", TOKEN, "");
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    String fork = accepted.json().get("missionId").asText();
    List<JsonNode> steps = completed(api.events(fork));
    assertThat(steps).hasSize(2).allSatisfy(s -> {
      assertThat(s.has("reused")).isFalse();
      assertThat(s.get("model").asText()).isEqualTo("gpilot-standin/gemini-2.5-flash");
    });
  }

  @Test
  void badReruns_areProblems_andWriteNothing() throws Exception {
    String text = "Plan the autumn catalogue slowly";
    STACK.standin().inject(Fault.slow(3_000).matching(text));
    String running = api.submit(text, "agent-scout");
    assertProblem(post("/api/v1/missions/" + running + "/rerun", TOKEN, "{}"), 409, "mission-unfinished");
    List<JsonNode> runningEvents = api.events(running);

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
