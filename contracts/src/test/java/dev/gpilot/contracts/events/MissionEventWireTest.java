package dev.gpilot.contracts.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.testing.Schemas;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The wire format of {@code gpilot.mission-events.v1} is fixed: every line of {@code
 * events/mission-events.v1.ndjson} is what the MissionJob wrote before {@link MissionEvent} became
 * a sealed type (each type with every field the job sets, and without its optional ones where it
 * has some), and must read as its type's record and write back byte for byte.
 */
class MissionEventWireTest {
  private static final JsonCodec<MissionEvent> CODEC = JsonCodec.of(MissionEvent.class);

  private static final Map<String, Class<? extends MissionEvent>> RECORDS =
      Map.ofEntries(
          Map.entry(EventTypes.MISSION_ACCEPTED, MissionAccepted.class),
          Map.entry(EventTypes.PLAN_READY, PlanReady.class),
          Map.entry(EventTypes.STEP_READY, StepReady.class),
          Map.entry(EventTypes.STEP_STARTED, StepStarted.class),
          Map.entry(EventTypes.STEP_RETRYING, StepRetrying.class),
          Map.entry(EventTypes.STEP_SKIPPED, StepSkipped.class),
          Map.entry(EventTypes.STEP_CANCELLED, StepCancelled.class),
          Map.entry(EventTypes.STEP_COMPLETED, StepCompleted.class),
          Map.entry(EventTypes.STEP_FAILED, StepFailed.class),
          Map.entry(EventTypes.STEP_DELTA, StepTextDelta.class),
          Map.entry(EventTypes.MISSION_COMPLETED, MissionCompleted.class),
          Map.entry(EventTypes.MISSION_FAILED, MissionFailed.class),
          Map.entry(EventTypes.MISSION_CANCELLED, MissionCancelled.class),
          Map.entry(EventTypes.MISSION_TIMED_OUT, MissionTimedOut.class),
          Map.entry(EventTypes.MISSION_BUDGET_REACHED, MissionBudgetReached.class),
          Map.entry(EventTypes.MISSION_RESUMED, MissionResumed.class),
          Map.entry(EventTypes.MISSION_BUDGET_EXCEEDED, MissionBudgetExceeded.class));

  static List<String> written() throws IOException {
    try (InputStream in =
        MissionEventWireTest.class.getResourceAsStream("/events/mission-events.v1.ndjson")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .filter(l -> !l.isBlank())
          .toList();
    }
  }

  @ParameterizedTest
  @MethodSource("written")
  void eventAsTheJobWroteIt_readsAsItsRecordAndWritesBackByteForByte(String json) throws Exception {
    String type = Json.mapper().readTree(json).get("type").asText();

    MissionEvent event = CODEC.decode(json.getBytes(StandardCharsets.UTF_8));

    assertThat(event).isExactlyInstanceOf(RECORDS.get(type));
    assertThat(event.type()).isEqualTo(type);
    assertThat(event.isFinal()).isEqualTo(EventTypes.isFinal(type));
    assertThat(new String(CODEC.encode(event), StandardCharsets.UTF_8)).isEqualTo(json);
    assertThat(Schemas.problems("mission-event.v1", event)).isEmpty();
  }

  @Test
  void fixture_coversEveryTypeOfTheSchema() throws Exception {
    JsonNode schema =
        Json.mapper()
            .readTree(
                MissionEvent.class.getResourceAsStream("/schemas/mission-event.v1.schema.json"));
    Set<String> inSchema =
        Json.mapper().convertValue(schema.at("/properties/type/enum"), Set.class);
    Set<String> inFixture =
        written().stream().map(l -> CODEC.decode(l).type()).collect(Collectors.toSet());

    assertThat(inFixture).isEqualTo(inSchema).isEqualTo(RECORDS.keySet());
  }

  @Test
  void unknownType_isKeptInItsPlaceWithItsFields() {
    String json =
        "{\"type\":\"step.paused\",\"version\":1,\"id\":\"m:4\",\"missionId\":\"m\",\"workspaceId\":\"w\","
            + "\"seq\":4,\"ts\":13,\"stepId\":\"s1\",\"agent\":\"agent-scout\",\"status\":\"PAUSED\","
            + "\"until\":{\"at\":99},\"final\":false}";

    MissionEvent event = CODEC.decode(json);

    assertThat(event).isInstanceOf(UnknownMissionEvent.class);
    UnknownMissionEvent unknown = (UnknownMissionEvent) event;
    assertThat(unknown.type()).isEqualTo("step.paused");
    assertThat(unknown.id()).isEqualTo("m:4");
    assertThat(unknown.isFinal()).isFalse();
    assertThat(unknown.string("stepId")).isEqualTo("s1");
    assertThat(unknown.string("until")).isNull();
    assertThat(CODEC.encodeToString(event))
        .isEqualTo(
            "{\"type\":\"step.paused\",\"version\":1,\"id\":\"m:4\","
                + "\"missionId\":\"m\",\"workspaceId\":\"w\",\"seq\":4,\"ts\":13,\"final\":false,\"stepId\":\"s1\","
                + "\"agent\":\"agent-scout\",\"status\":\"PAUSED\",\"until\":{\"at\":99}}");
  }

  @Test
  void eventWithoutTypeOrEnvelope_isRejected() {
    assertThatThrownBy(
            () -> CODEC.decode("{\"missionId\":\"m\",\"workspaceId\":\"w\",\"seq\":1,\"ts\":1}"))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("type is required");
    assertThatThrownBy(
            () ->
                CODEC.decode(
                    "{\"type\":\"step.started\",\"workspaceId\":\"w\",\"seq\":1,\"ts\":1}"))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("missionId is required");
    assertThatThrownBy(
            () ->
                CODEC.decode(
                    "{\"type\":\"step.paused\",\"missionId\":\"m\",\"workspaceId\":\"w\","
                        + "\"seq\":0,\"ts\":1}"))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("seq starts at 1");
  }

  @Test
  void knownTypeWithFieldsOfANewerWriter_readsAndDropsThem() {
    String json =
        "{\"type\":\"step.started\",\"version\":1,\"id\":\"m:4\",\"missionId\":\"m\",\"workspaceId\":\"w\","
            + "\"seq\":4,\"ts\":13,\"status\":\"RUNNING\",\"stepId\":\"s1\",\"agent\":\"a\",\"attempt\":1,\"host\":\"x\","
            + "\"final\":false}";

    assertThat(CODEC.decode(json))
        .isEqualTo(new StepStarted("m", "w", 4, 13, "RUNNING", "s1", "a", 1));
  }
}
