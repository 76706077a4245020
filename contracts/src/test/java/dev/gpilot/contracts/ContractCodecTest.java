package dev.gpilot.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.events.MissionAccepted;
import dev.gpilot.contracts.events.MissionCompleted;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.MissionFailed;
import dev.gpilot.contracts.events.PlanReady;
import dev.gpilot.contracts.events.StepCompleted;
import dev.gpilot.contracts.events.StepFailed;
import dev.gpilot.contracts.events.StepStarted;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.testing.Schemas;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContractCodecTest {
  private static final MissionSubmitted SUBMITTED =
      new MissionSubmitted(
          "m-1",
          "default",
          1_700_000_000_000L,
          "write a launch post",
          MissionConfig.ofAgents(List.of("agent-scout", "seo-analyst")),
          "key-1",
          "abc",
          "dev");

  @Test
  void missionSubmitted_roundTripsAndMatchesItsSchema() throws Exception {
    JsonCodec<MissionSubmitted> codec = JsonCodec.of(MissionSubmitted.class);
    byte[] json = codec.encode(SUBMITTED);

    assertThat(codec.decode(json)).isEqualTo(SUBMITTED);
    JsonNode tree = Json.mapper().readTree(json);
    assertThat(tree.get("type").asText()).isEqualTo("mission.submitted");
    assertThat(tree.get("version").asInt()).isEqualTo(1);
    assertThat(tree.get("id").asText()).isEqualTo("m-1");
    assertThat(Schemas.problems("mission-submitted.v1", tree)).isEmpty();
  }

  @Test
  void missionSubmitted_withoutWorkspace_isRejectedWithTheFieldNamed() {
    String json = "{\"missionId\":\"m\",\"ts\":1,\"mission\":\"x\"}";
    assertThatThrownBy(() -> JsonCodec.of(MissionSubmitted.class).decode(json))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("workspaceId is required");
  }

  @Test
  void missionSubmitted_fromAnIntegrationWithUnknownFields_isRead() {
    String json =
        "{\"type\":\"mission.submitted\",\"missionId\":\"m\",\"workspaceId\":\"w\",\"ts\":1,"
            + "\"mission\":\"x\",\"futureField\":{\"a\":1}}";
    MissionSubmitted read = JsonCodec.of(MissionSubmitted.class).decode(json);
    assertThat(read.config().explicitAgents()).isEmpty();
  }

  @Test
  void everyEventType_roundTripsAndMatchesTheSchema() {
    Plan plan =
        new Plan(
            List.of(new PlanStep("s1", "agent-scout", "scout", null, List.of(), null, null, null)));
    JsonNode output = Json.mapper().createObjectNode().put("text", "done");
    List<MissionEvent> events =
        List.of(
            new MissionAccepted(
                "m", "w", 1, 10, "PLANNING", "x", MissionConfig.DEFAULT, null, null, null),
            new PlanReady("m", "w", 2, 11, null, plan),
            new StepStarted("m", "w", 3, 12, "RUNNING", "s1", "agent-scout", 1),
            new StepCompleted(
                "m",
                "w",
                4,
                13,
                "SUCCEEDED",
                "s1",
                "agent-scout",
                1,
                output,
                1L,
                null,
                null,
                null,
                null),
            new StepFailed(
                "m", "w", 4, 13, "FAILED", "s1", "agent-scout", 1, "boom", 1L, null, null, null),
            new MissionCompleted("m", "w", 5, 14, "COMPLETED", null, 4L, null),
            new MissionFailed("m", "w", 5, 14, "FAILED", "boom", 4L, null));
    JsonCodec<MissionEvent> codec = JsonCodec.of(MissionEvent.class);
    for (MissionEvent event : events) {
      assertThat(codec.decode(codec.encode(event))).isEqualTo(event);
      assertThat(Schemas.problems("mission-event.v1", event)).as(event.type()).isEmpty();
    }
    assertThat(events.get(0).id()).isEqualTo("m:1");
  }

  @Test
  void schema_catchesAnEventMissingWhatItsTypeRequires() {
    MissionEvent noPlan = new PlanReady("m", "w", 2, 11, null, null);
    assertThat(Schemas.problems("mission-event.v1", noPlan)).isNotEmpty();
  }

  @Test
  void stepResult_roundTripsAndMatchesItsSchema() {
    StepResult failed =
        new StepResult(
            "m",
            "w",
            "s1",
            2,
            "agent-scout",
            false,
            null,
            "429",
            1,
            2,
            "gemini-2.5-flash",
            new dev.gpilot.contracts.cost.Usage(100, 20, 5, 10),
            1234,
            "2025-06-17",
            true);
    JsonCodec<StepResult> codec = JsonCodec.of(StepResult.class);
    assertThat(codec.decode(codec.encode(failed))).isEqualTo(failed);
    assertThat(failed.id()).isEqualTo("m/s1/2");
    assertThat(Schemas.problems("step-result.v1", failed)).isEmpty();
    StepResult failedWithoutError = StepResult.failed("m", "w", "s1", 2, "agent-scout", null, 1, 2);
    assertThat(Schemas.problems("step-result.v1", failedWithoutError)).isNotEmpty();
  }

  @Test
  void eventSeq_startsAtOne() {
    assertThatThrownBy(() -> new PlanReady("m", "w", 0, 1, null, null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
