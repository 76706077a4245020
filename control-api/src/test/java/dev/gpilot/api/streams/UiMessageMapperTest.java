package dev.gpilot.api.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.missions.MissionStore;
import dev.gpilot.api.streams.SseEncoder.FrameId;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.UnknownMissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.testing.TestEvents;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UiMessageMapperTest {
  private static final String M = "m-1";
  private long seq;

  private TestEvents.Builder event(String type) {
    return TestEvents.of(type, M, "default", ++seq, 1_000 + seq);
  }

  private List<MissionEvent> parallelMission() {
    seq = 0;
    List<MissionEvent> events = new ArrayList<>();
    events.add(event("mission.accepted").status("PLANNING").build());
    events.add(
        event("plan.ready")
            .plan(
                new Plan(
                    List.of(
                        new PlanStep("a", "agent-a", "x", null, List.of(), null, null, null),
                        new PlanStep("b", "agent-b", "x", null, List.of(), null, null, null))))
            .build());
    events.add(event("step.started").step("a", "agent-a", 1).status("RUNNING").build());
    events.add(event("step.started").step("b", "agent-b", 1).status("RUNNING").build());
    events.add(event("step.delta").step("b", "agent-b", 1).text("B").build());
    events.add(event("step.delta").step("a", "agent-a", 1).text("A").build());
    events.add(
        event("step.completed").step("b", "agent-b", 1).status("SUCCEEDED").durationMs(1).build());
    events.add(
        event("step.completed").step("a", "agent-a", 1).status("SUCCEEDED").durationMs(1).build());
    events.add(event("mission.completed").status("COMPLETED").durationMs(9).build());
    return events;
  }

  private static List<JsonNode> chunks(List<MissionEvent> events) throws Exception {
    UiMessageMapper mapper = new UiMessageMapper(M);
    List<JsonNode> chunks = new ArrayList<>();
    chunks.add(Json.mapper().readTree(mapper.start()));
    for (MissionEvent e : events) {
      for (String c : mapper.map(e)) {
        chunks.add(Json.mapper().readTree(c));
      }
    }
    return chunks;
  }

  @Test
  void parallelSteps_areWrittenOneGroupAtATime_inTheOrderTheyStarted() throws Exception {
    List<JsonNode> chunks = chunks(parallelMission());

    List<String> summary =
        chunks.stream()
            .map(
                c ->
                    c.get("type").asText()
                        + (c.has("id") ? " " + c.get("id").asText() : "")
                        + (c.has("delta") ? " " + c.get("delta").asText() : ""))
            .toList();
    assertThat(summary)
        .containsSubsequence(
            "start-step",
            "data-step step-a",
            "text-start text-a-1",
            "text-delta text-a-1 A",
            "text-end text-a-1",
            "finish-step",
            "start-step",
            "data-step step-b",
            "text-start text-b-1",
            "text-delta text-b-1 B",
            "text-end text-b-1",
            "finish-step",
            "finish");
    // Step b's chunks never appear inside step a's group, though b's events came first.
    int finishA = summary.indexOf("finish-step");
    assertThat(summary.subList(0, finishA)).noneMatch(s -> s.contains("-b"));
    assertThat(summary.get(0)).isEqualTo("start");
  }

  @Test
  void theMapping_isAPureFunctionOfTheEvents() throws Exception {
    assertThat(chunks(parallelMission())).isEqualTo(chunks(parallelMission()));
  }

  @Test
  void theStartChunk_namesTheMissionOnly_andNoEventMapsToAnother() throws Exception {
    UiMessageMapper mapper = new UiMessageMapper(M);
    JsonNode start = Json.mapper().readTree(mapper.start());
    assertThat(start.get("messageId").asText()).isEqualTo(M);
    assertThat(start.at("/messageMetadata/status").asText()).isEqualTo("SUBMITTED");
    List<JsonNode> chunks = chunks(parallelMission());
    assertThat(chunks)
        .filteredOn(c -> c.get("type").asText().equals("start"))
        .containsExactly(start);
    // The same whatever the mapper has seen: every stream of the mission sends the same start.
    parallelMission().forEach(mapper::map);
    assertThat(Json.mapper().readTree(mapper.start())).isEqualTo(start);
  }

  @Test
  void eventsOfTypesThisReaderDoesNotKnow_showAsAStepUpdateOrALogLine_andTheMissionGoesOn()
      throws Exception {
    seq = 0;
    List<MissionEvent> events = new ArrayList<>();
    events.add(event("mission.accepted").status("PLANNING").build());
    events.add(
        event("plan.ready")
            .plan(
                new Plan(
                    List.of(new PlanStep("a", "agent-a", "x", null, List.of(), null, null, null))))
            .build());
    events.add(event("step.started").step("a", "agent-a", 1).status("RUNNING").build());
    events.add(event("step.paused").step("a", "agent-a", 1).status("PAUSED").build());
    events.add(event("mission.noted").reason("a newer writer's event").build());
    events.add(
        event("step.completed").step("a", "agent-a", 1).status("SUCCEEDED").durationMs(1).build());
    events.add(event("mission.completed").status("COMPLETED").durationMs(9).build());
    assertThat(events.get(3)).isInstanceOf(UnknownMissionEvent.class);

    List<JsonNode> chunks = chunks(events);

    assertThat(chunks)
        .filteredOn(c -> c.path("id").asText().equals("step-a"))
        .extracting(c -> c.at("/data/status").asText())
        .containsSubsequence("RUNNING", "PAUSED", "SUCCEEDED");
    assertThat(chunks)
        .filteredOn(c -> c.path("id").asText().equals("log-a"))
        .anyMatch(c -> c.at("/data/lines").findValuesAsText("text").contains("step.paused"));
    assertThat(chunks)
        .filteredOn(c -> c.path("id").asText().equals("log-mission"))
        .anyMatch(c -> c.at("/data/lines").findValuesAsText("text").contains("mission.noted"));
    assertThat(chunks.get(chunks.size() - 1).get("type").asText()).isEqualTo("finish");
  }

  @Test
  void afterTheFinalEvent_nothingMoreIsMapped() {
    UiMessageMapper mapper = new UiMessageMapper(M);
    parallelMission().forEach(mapper::map);
    assertThat(mapper.finished()).isTrue();
    assertThat(mapper.map(event("step.started").step("a", "agent-a", 2).build())).isEmpty();
  }

  @Test
  void frameIds_nameTheEventAndTheFrameWithinIt_andAResumeSkipsExactlyWhatWasSent() {
    List<MissionEvent> events = parallelMission();
    List<String> ids = new ArrayList<>();
    List<String> frames = frames(events, null, ids);
    assertThat(ids).doesNotHaveDuplicates();
    assertThat(ids.get(0)).isEqualTo("0");
    assertThat(frames.get(0)).contains("\"type\":\"start\"");
    assertThat(ids.get(1)).as("mission.accepted: one chunk").isEqualTo("1");
    assertThat(ids).contains("1", "2", "9");
    for (int i = 0; i < ids.size(); i++) {
      List<String> rest = frames(events, FrameId.parse(ids.get(i)), new ArrayList<>());
      assertThat(rest)
          .as("after " + ids.get(i))
          .containsExactlyElementsOf(frames.subList(i + 1, frames.size()));
    }
  }

  private static List<String> frames(List<MissionEvent> events, FrameId resume, List<String> ids) {
    MissionStore store = new MissionStore(10);
    events.forEach(store::onEvent);
    SseEncoder encoder = new SseEncoder(new MissionFrames(store.find(M).orElseThrow()), resume);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(encoder.head());
    events.forEach(e -> encoder.encode(e, out::write));
    List<String> frames = new ArrayList<>();
    for (String frame : out.toString(StandardCharsets.UTF_8).split("\n\n")) {
      if (!frame.isEmpty()) {
        frames.add(frame);
        ids.add(frame.substring(4, frame.indexOf('\n')));
      }
    }
    return frames;
  }

  @Test
  void frameIdParsing_acceptsSeqOrSeqColonFrame_only() {
    assertThat(FrameId.parse("12")).isEqualTo(new FrameId(12, Integer.MAX_VALUE));
    assertThat(FrameId.parse(" 12:3 ")).isEqualTo(new FrameId(12, 3));
    assertThat(FrameId.parse("12:3").toString()).isEqualTo("12:3");
    for (String bad : List.of("", "x", "-1", "3:0", "3:", ":3", "3:x", "1.5")) {
      assertThatThrownBy(() -> FrameId.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void outputText_isTheStringOrItsTextField_orElseTheJson() throws Exception {
    assertThat(UiMessageMapper.outputText(Json.mapper().readTree("\"hi\""))).isEqualTo("hi");
    assertThat(UiMessageMapper.outputText(Json.mapper().readTree("{\"text\":\"t\",\"x\":1}")))
        .isEqualTo("t");
    assertThat(UiMessageMapper.outputText(Json.mapper().readTree("{\"score\":81}")))
        .isEqualTo("{\"score\":81}");
    assertThat(UiMessageMapper.outputText(null)).isNull();
  }

  @Test
  void acceptHeader_matchesTheTypeItsFamilyOrAnything() {
    assertThat(StreamHandler.accepts("application/x-ndjson", "application/x-ndjson")).isTrue();
    assertThat(StreamHandler.accepts("text/html, application/*;q=0.5", "application/x-ndjson"))
        .isTrue();
    assertThat(StreamHandler.accepts("*/*", "application/x-ndjson")).isTrue();
    assertThat(StreamHandler.accepts("application/json", "application/x-ndjson")).isFalse();
  }

  /**
   * The text-delta chunks of a one-step mission whose step streamed {@code deltas} and completed
   * with {@code output} as its text.
   */
  private List<String> streamedText(String output, String... deltas) throws Exception {
    seq = 0;
    List<MissionEvent> events = new ArrayList<>();
    events.add(event("mission.accepted").status("PLANNING").build());
    events.add(
        event("plan.ready")
            .plan(
                new Plan(
                    List.of(new PlanStep("a", "agent-a", "x", null, List.of(), null, null, null))))
            .build());
    events.add(event("step.started").step("a", "agent-a", 1).status("RUNNING").build());
    for (String delta : deltas) {
      events.add(event("step.delta").step("a", "agent-a", 1).text(delta).build());
    }
    events.add(
        event("step.completed")
            .step("a", "agent-a", 1)
            .status("SUCCEEDED")
            .durationMs(5)
            .output(Json.mapper().createObjectNode().put("text", output))
            .build());
    events.add(event("mission.completed").status("COMPLETED").durationMs(9).build());
    return chunks(events).stream()
        .filter(c -> c.get("type").asText().equals("text-delta"))
        .map(c -> c.get("delta").asText())
        .toList();
  }

  @Test
  void aStepWhoseLastDeltasWereDropped_endsItsTextWithTheRestOfTheOutput_once() throws Exception {
    List<String> deltas = streamedText("Launch note: ships Monday", "Launch ", "note: ");

    // What a useChat client renders for the step: the output's text, not the part that streamed.
    assertThat(String.join("", deltas)).isEqualTo("Launch note: ships Monday");
    assertThat(deltas).containsExactly("Launch ", "note: ", "ships Monday");
  }

  @Test
  void aStepWhoseDeltasAllArrived_isNotWrittenTwice() throws Exception {
    assertThat(streamedText("all of it", "all ", "of it")).containsExactly("all ", "of it");
  }

  @Test
  void aForksReusedStep_showsItsRecordedOutput_markedReused_atNoCost_andTheLogNamesTheOriginal()
      throws Exception {
    seq = 0;
    List<MissionEvent> events =
        List.of(
            event("mission.accepted").status("PLANNING").rerunOf("m-0").build(),
            event("plan.ready")
                .plan(
                    new Plan(
                        List.of(
                            new PlanStep("a", "agent-a", "x", null, List.of(), null, null, null))))
                .build(),
            event("step.completed")
                .step("a", "agent-a", 1)
                .status("SUCCEEDED")
                .durationMs(0)
                .output(Json.mapper().createObjectNode().put("text", "recorded"))
                .cost(null, null, 0)
                .reused()
                .build(),
            event("mission.completed")
                .status("COMPLETED")
                .durationMs(1)
                .cost(null, null, 0)
                .build());
    List<JsonNode> chunks = chunks(events);

    JsonNode step =
        chunks.stream()
            .filter(c -> c.get("type").asText().equals("data-step"))
            .reduce((x, y) -> y)
            .orElseThrow()
            .get("data");
    assertThat(step.get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(step.get("reused").asBoolean()).isTrue();
    assertThat(step.get("costMicros").asLong()).isZero();
    assertThat(chunks).anySatisfy(c -> assertThat(c.path("delta").asText()).isEqualTo("recorded"));
    assertThat(chunks.toString()).contains("a rerun of m-0", "reused from the original");
    JsonNode cost =
        chunks.stream()
            .filter(c -> c.get("type").asText().equals("data-cost"))
            .reduce((x, y) -> y)
            .orElseThrow()
            .get("data");
    assertThat(cost.get("costMicros").asLong()).isZero();
  }

  @Test
  void
      aBudgetPause_isADataBudgetPartUpdatedInPlace_andMetadataFollowsTheStatus_untilBudgetExceeded()
          throws Exception {
    seq = 0;
    List<MissionEvent> events =
        List.of(
            event("mission.accepted").status("PLANNING").build(),
            event("plan.ready")
                .plan(
                    new Plan(
                        List.of(
                            new PlanStep("a", "agent-a", "x", null, List.of(), null, null, null))))
                .build(),
            event("step.started").step("a", "agent-a", 1).status("RUNNING").build(),
            event("mission.budget_reached")
                .step("a", "agent-a", 1)
                .status("PAUSED")
                .budgetId("monthly")
                .reason("budget 'monthly' (hard, month) has 0 of 0 micro-credits left")
                .build(),
            event("mission.resumed").status("RUNNING").budgetId("monthly").build(),
            event("mission.budget_reached")
                .step("a", "agent-a", 2)
                .status("PAUSED")
                .budgetId("monthly")
                .reason("again")
                .build(),
            event("mission.budget_exceeded")
                .status("BUDGET_EXCEEDED")
                .reason("step 'a' waited 30 s")
                .durationMs(5)
                .build());
    List<JsonNode> chunks = chunks(events);

    List<JsonNode> budget =
        chunks.stream().filter(c -> c.get("type").asText().equals("data-budget")).toList();
    assertThat(budget).extracting(c -> c.get("id").asText()).containsOnly("budget");
    assertThat(budget)
        .extracting(c -> c.at("/data/state").asText())
        .containsExactly("reached", "resumed", "reached");
    assertThat(budget.get(0).at("/data/budgetId").asText()).isEqualTo("monthly");
    assertThat(budget.get(0).at("/data/stepId").asText()).isEqualTo("a");
    assertThat(budget.get(0).at("/data/reason").asText()).contains("0 of 0 micro-credits");
    List<String> statuses =
        chunks.stream()
            .filter(c -> c.get("type").asText().equals("message-metadata"))
            .map(c -> c.at("/messageMetadata/status").asText())
            .toList();
    assertThat(statuses)
        .containsSubsequence("RUNNING", "PAUSED", "RUNNING", "PAUSED", "BUDGET_EXCEEDED");
    assertThat(chunks)
        .anySatisfy(
            c -> {
              assertThat(c.get("type").asText()).isEqualTo("error");
              assertThat(c.get("errorText").asText())
                  .isEqualTo("mission budget exceeded: step 'a' waited 30 s");
            });
    assertThat(chunks.get(chunks.size() - 1).get("type").asText()).isEqualTo("finish");
  }
}
