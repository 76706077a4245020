package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.streams.UiMessageMapper;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.testing.TestEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What {@code GET /api/v1/missions/{id}} and the streams see of a mission, from its submission and
 * events.
 */
class MissionViewTest {
  private static final String ID = "m1";
  private static final String WS = "ws-a";
  private static final Plan PLAN =
      new Plan(
          List.of(
              new PlanStep("research", "agent-scout", "look", null, List.of(), null, null, null),
              new PlanStep(
                  "write",
                  "content-orchestrator",
                  "write",
                  null,
                  List.of("research"),
                  null,
                  null,
                  null),
              new PlanStep(
                  "check",
                  "independent-verifier",
                  "check",
                  null,
                  List.of("research"),
                  null,
                  null,
                  null)));

  private static TestEvents.Builder event(String type, long seq) {
    return TestEvents.of(type, ID, WS, seq, 1_000 + 100 * seq);
  }

  private static MissionEvent accepted(long seq) {
    return event(EventTypes.MISSION_ACCEPTED, seq)
        .status("PLANNING")
        .mission("Plan a launch", MissionConfig.ofAgents(List.of("agent-scout")))
        .build();
  }

  private static JsonNode json(MissionView view) {
    return Json.mapper().valueToTree(view.toJson());
  }

  private static MissionEvent planReady(long seq) {
    return event(EventTypes.PLAN_READY, seq).plan(PLAN).build();
  }

  private static MissionEvent started(long seq, String step, String agent, int attempt) {
    return event(EventTypes.STEP_STARTED, seq).status("RUNNING").step(step, agent, attempt).build();
  }

  /** An attempt that failed with a 429 and is charged for what it used. */
  private static MissionEvent retrying(
      long seq, String step, String agent, int attempt, String model, Usage usage, long micros) {
    return event(EventTypes.STEP_RETRYING, seq)
        .status("READY")
        .step(step, agent, attempt)
        .reason("429")
        .retryInMs(10)
        .cost(model, usage, micros)
        .build();
  }

  /** A succeeded attempt; the caller adds its output, duration and cost. */
  private static TestEvents.Builder completed(long seq, String step, String agent, int attempt) {
    return event(EventTypes.STEP_COMPLETED, seq).status("SUCCEEDED").step(step, agent, attempt);
  }

  @Test
  void eventsOutOfOrderOrTwice_areKeptOnceInSeqOrder_andListenersSeeEachOnceInOrder() {
    MissionView view = new MissionView(ID);
    List<Long> seen = new ArrayList<>();
    view.subscribe(e -> seen.add(e.seq()));

    view.append(planReady(2));
    assertThat(view.lastSeq()).as("seq 2 waits for seq 1").isZero();
    assertThat(view.missingFirstEvents()).isTrue();
    view.append(accepted(1));
    view.append(accepted(1));
    view.append(started(3, "research", "agent-scout", 1));
    view.append(planReady(2));

    assertThat(seen).containsExactly(1L, 2L, 3L);
    assertThat(view.eventsAfter(0)).extracting(MissionEvent::seq).containsExactly(1L, 2L, 3L);
    assertThat(view.eventsAfter(1, 1)).extracting(MissionEvent::seq).containsExactly(2L);
    assertThat(view.eventsAfter(3)).isEmpty();
    assertThat(view.lastSeq()).isEqualTo(3);
    assertThat(view.missingFirstEvents()).isFalse();
    assertThat(view.status().name()).isEqualTo("RUNNING");
  }

  @Test
  void aCompletedMission_showsItsSteps_costsAddedOverAttempts_andTheFinalStepsOutputsAsResult() {
    MissionView view = new MissionView(ID);
    view.submitted(
        new MissionSubmitted(
            ID, WS, 1_000, "Plan a launch", MissionConfig.DEFAULT, null, null, "alice"));
    Usage usage = new Usage(10, 20, 0, 0);
    List<MissionEvent> events =
        List.of(
            accepted(1),
            planReady(2),
            started(3, "research", "agent-scout", 1),
            completed(4, "research", "agent-scout", 1)
                .output(Json.mapper().createObjectNode().put("facts", 3))
                .durationMs(50)
                .cost("gemini-2.5-flash", usage, 100)
                .build(),
            started(5, "write", "content-orchestrator", 1),
            retrying(6, "write", "content-orchestrator", 1, "gemini-2.5-pro", usage, 40),
            started(7, "write", "content-orchestrator", 2),
            completed(8, "write", "content-orchestrator", 2)
                .output(Json.mapper().createObjectNode().put("post", "hi"))
                .durationMs(30)
                .cost("gemini-2.5-pro", usage, 60)
                .build(),
            event(EventTypes.STEP_SKIPPED, 9)
                .status("SKIPPED")
                .step("check", "independent-verifier", 0)
                .reason("condition false")
                .build(),
            event(EventTypes.MISSION_COMPLETED, 10).status("COMPLETED").durationMs(900).build());
    events.forEach(view::append);

    JsonNode json = json(view);

    assertThat(view.finished()).isTrue();
    assertThat(json.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(json.get("mission").asText()).isEqualTo("Plan a launch");
    assertThat(json.get("submittedAt").asLong()).isEqualTo(1_000);
    assertThat(json.get("startedAt").asLong()).isEqualTo(1_200);
    assertThat(json.get("finishedAt").asLong()).isEqualTo(2_000);
    assertThat(json.get("durationMs").asLong()).as("finish - submission").isEqualTo(1_000);
    assertThat(json.get("costMicros").asLong()).isEqualTo(200);
    assertThat(json.get("agentCosts").get("agent-scout").asLong()).isEqualTo(100);
    assertThat(json.get("agentCosts").get("content-orchestrator").asLong()).isEqualTo(100);
    assertThat(json.get("usage").get("promptTokens").asLong()).isEqualTo(30);
    assertThat(json.get("models"))
        .extracting(JsonNode::asText)
        .containsExactly("gemini-2.5-flash", "gemini-2.5-pro");
    assertThat(json.get("lastSeq").asLong()).isEqualTo(10);

    JsonNode write = json.get("steps").get(1);
    assertThat(write.get("id").asText()).isEqualTo("write");
    assertThat(write.get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(write.get("attempts").asInt()).isEqualTo(2);
    assertThat(write.get("costMicros").asLong()).as("both attempts").isEqualTo(100);
    assertThat(write.get("usage").get("outputTokens").asLong()).isEqualTo(40);
    assertThat(write.get("dependsOn")).extracting(JsonNode::asText).containsExactly("research");
    assertThat(json.get("steps").get(2).get("status").asText()).isEqualTo("SKIPPED");
    assertThat(json.get("steps").get(2).get("error").asText()).isEqualTo("condition false");

    // research is depended on; check has no output: only write's output is the result.
    assertThat(json.get("result").fieldNames()).toIterable().containsExactly("write");
    assertThat(json.get("result").get("write").get("post").asText()).isEqualTo("hi");
  }

  @Test
  void aStepsModelUsageAndCost_areTheSameInItsJsonAndItsDataStep_whileItRetriesAndAfter()
      throws Exception {
    MissionView view = new MissionView(ID);
    UiMessageMapper mapper = new UiMessageMapper(ID);
    Map<String, JsonNode> dataSteps = new java.util.HashMap<>();
    Usage usage = new Usage(10, 20, 0, 0);
    List<MissionEvent> events =
        List.of(
            accepted(1),
            planReady(2),
            started(3, "research", "agent-scout", 1),
            retrying(4, "research", "agent-scout", 1, "gemini-2.5-flash", usage, 40),
            started(5, "research", "agent-scout", 2),
            completed(6, "research", "agent-scout", 2)
                .output(Json.mapper().createObjectNode().put("facts", 3))
                .durationMs(30)
                .cost("gemini-2.5-pro", usage, 60)
                .build(),
            // An agent that calls no model: its event says cost 0, and no step shows one.
            completed(7, "check", "independent-verifier", 1)
                .output(Json.mapper().createObjectNode().put("ok", true))
                .durationMs(1)
                .cost(null, null, 0)
                .build());
    for (MissionEvent e : events) {
      view.append(e);
      for (String chunk : mapper.map(e)) {
        JsonNode c = Json.mapper().readTree(chunk);
        if (c.get("type").asText().equals("data-step")) {
          dataSteps.put(c.get("data").get("stepId").asText(), c.get("data"));
        }
      }
      JsonNode steps = json(view).get("steps");
      for (JsonNode step : steps) {
        JsonNode part = dataSteps.get(step.get("id").asText());
        if (part == null) {
          continue;
        }
        for (String field : List.of("model", "usage", "costMicros")) {
          // As JSON text: the two trees hold the same numbers in nodes of different int widths.
          assertThat(String.valueOf(part.get(field)))
              .as("%s of %s after seq %d", field, step.get("id").asText(), e.seq())
              .isEqualTo(String.valueOf(step.get(field)));
        }
      }
      if (e.seq() == 4) {
        // Between attempts the failed one's charge already shows, as it does in the mission's.
        assertThat(steps.get(0).get("status").asText()).isEqualTo("READY");
        assertThat(steps.get(0).get("costMicros").asLong()).isEqualTo(40);
      }
    }
    JsonNode research = json(view).get("steps").get(0);
    assertThat(research.get("model").asText()).as("the last attempt's").isEqualTo("gemini-2.5-pro");
    assertThat(research.get("costMicros").asLong()).as("both attempts").isEqualTo(100);
    assertThat(research.get("usage").get("outputTokens").asLong()).isEqualTo(40);
    JsonNode check = json(view).get("steps").get(2);
    assertThat(check.has("costMicros")).isFalse();
    assertThat(dataSteps.get("check").has("costMicros")).isFalse();
  }

  @Test
  void anEventOfATypeThisReaderDoesNotKnow_keepsItsSeqPlace_andChangesNothingElse() {
    MissionView view = new MissionView(ID);
    view.append(accepted(1));
    view.append(planReady(2));
    view.append(
        event("step.paused", 3).status("PAUSED").step("research", "agent-scout", 1).build());
    view.append(started(4, "research", "agent-scout", 1));

    assertThat(view.eventsAfter(0))
        .extracting(MissionEvent::type)
        .containsExactly(
            EventTypes.MISSION_ACCEPTED,
            EventTypes.PLAN_READY,
            "step.paused",
            EventTypes.STEP_STARTED);
    assertThat(view.status().name()).isEqualTo("RUNNING");
    assertThat(json(view).get("steps"))
        .extracting(s -> s.get("status").asText())
        .containsExactly("RUNNING", "PENDING", "PENDING");
  }

  @Test
  void aCancelledMission_cancelsItsOpenSteps_andSaysWhy_withoutAResult() {
    MissionView view = new MissionView(ID);
    view.append(accepted(1));
    view.append(planReady(2));
    view.append(started(3, "research", "agent-scout", 1));
    view.append(
        event(EventTypes.MISSION_CANCELLED, 4)
            .status("CANCELLED")
            .reason("cancelled by alice")
            .durationMs(300)
            .build());

    JsonNode json = json(view);

    assertThat(json.get("status").asText()).isEqualTo("CANCELLED");
    assertThat(json.get("reason").asText()).isEqualTo("cancelled by alice");
    assertThat(json.get("steps"))
        .extracting(s -> s.get("status").asText())
        .containsExactly("CANCELLED", "CANCELLED", "CANCELLED");
    assertThat(json.has("result")).isFalse();
    assertThat(json.get("workspaceId").asText()).isEqualTo(WS);
  }

  @Test
  void requestFingerprint_isTheSubmissions_elseRecomputedFromMissionAccepted_elseUnknown() {
    MissionConfig config = MissionConfig.ofAgents(List.of("agent-scout"));
    String expected = MissionRequest.fingerprint("Plan a launch", config);

    MissionView fromEvent = new MissionView(ID);
    fromEvent.append(accepted(1));
    assertThat(fromEvent.requestFingerprint()).isEqualTo(expected);

    MissionView fromSubmission = new MissionView(ID);
    fromSubmission.submitted(
        new MissionSubmitted(ID, WS, 1, "Plan a launch", config, "k", "stored-hash", "alice"));
    assertThat(fromSubmission.requestFingerprint()).isEqualTo("stored-hash");

    MissionView laterEventsOnly = new MissionView(ID);
    laterEventsOnly.append(started(5, "a", "agent-scout", 1));
    assertThat(laterEventsOnly.requestFingerprint()).isNull();
  }

  @Test
  void forkSource_isEmptyBeforeThePlan_thenHasThePlanAndOnlyTheSucceededOutputs() {
    MissionView view = new MissionView(ID);
    view.append(accepted(1));
    assertThat(view.forkSource()).isEmpty();

    view.append(planReady(2));
    view.append(
        completed(3, "research", "agent-scout", 1)
            .output(Json.mapper().createObjectNode().put("facts", 3))
            .durationMs(5)
            .build());
    view.append(
        event(EventTypes.STEP_FAILED, 4)
            .status("FAILED")
            .step("write", "content-orchestrator", 1)
            .output(Json.mapper().createObjectNode().put("partial", true))
            .reason("boom")
            .durationMs(5)
            .build());

    MissionView.ForkSource source = view.forkSource().orElseThrow();
    assertThat(source.mission()).isEqualTo("Plan a launch");
    assertThat(source.config().explicitAgents()).containsExactly("agent-scout");
    assertThat(source.plan()).isEqualTo(PLAN);
    assertThat(source.succeeded()).containsOnlyKeys("research");
  }

  @Test
  void aForkSaysWhatItIsAForkOf_fromItsAcceptedEvent() {
    MissionView view = new MissionView(ID);
    view.append(
        event(EventTypes.MISSION_ACCEPTED, 1)
            .status("PLANNING")
            .mission("x", MissionConfig.DEFAULT)
            .rerunOf("original")
            .build());

    assertThat(view.rerunOf()).isEqualTo("original");
    assertThat(view.toJson()).containsEntry("rerunOf", "original");
    assertThat(new MissionView("plain").toJson()).doesNotContainKey("rerunOf");
  }

  @Test
  void theFirstSubmissionWins() {
    MissionView view = new MissionView(ID);
    view.submitted(
        new MissionSubmitted(ID, WS, 1_000, "first", MissionConfig.DEFAULT, null, null, "alice"));
    view.submitted(
        new MissionSubmitted(
            ID, "ws-other", 2_000, "second", MissionConfig.DEFAULT, null, null, "eve"));

    Map<String, Object> json = view.toJson();
    assertThat(json)
        .containsEntry("mission", "first")
        .containsEntry("workspaceId", WS)
        .containsEntry("submittedAt", 1_000L);
  }
}
