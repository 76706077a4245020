package dev.gpilot.jobs.agents.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.gpilot.contracts.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The response schema the Mission Overseer sends to Gemini: the plan contract, narrowed to what the
 * model must say. A request may leave out a step's action and dependsOn (the contract's defaults);
 * the model may not.
 */
class MissionOverseerSchemaTest {
  private static final List<String> ALLOWED = List.of("agent-scout", "seo-analyst");

  private static JsonNode plan(String json) throws Exception {
    return Json.mapper().readTree(json);
  }

  private static boolean modelMayAnswer(JsonNode answer) {
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
        .getSchema(MissionOverseer.modelSchema(ALLOWED))
        .validate(answer)
        .isEmpty();
  }

  @Test
  void theModelMustGiveEveryStepItsActionAndDependencies_thoughARequestNeedNot() throws Exception {
    JsonNode complete =
        plan(
            "{\"steps\": [{\"id\": \"s1\", \"agent\": \"agent-scout\", \"action\": \"research\","
                + " \"dependsOn\": []}]}");
    JsonNode terse = plan("{\"steps\": [{\"id\": \"s1\", \"agent\": \"agent-scout\"}]}");

    assertThat(modelMayAnswer(complete)).isTrue();
    assertThat(modelMayAnswer(terse)).isFalse();
    assertThat(MissionOverseer.modelSchema(ALLOWED).at("/properties/steps/items/required"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("id", "agent", "action", "dependsOn");
  }

  @Test
  void theModelMayNameOnlyTheAllowedAgents() throws Exception {
    JsonNode other =
        plan(
            "{\"steps\": [{\"id\": \"s1\", \"agent\": \"ui-auditor\", \"action\": \"a\","
                + " \"dependsOn\": []}]}");

    assertThat(modelMayAnswer(other)).isFalse();
    assertThat(
            MissionOverseer.modelSchema(ALLOWED)
                .at("/properties/steps/items/properties/agent/enum"))
        .extracting(JsonNode::asText)
        .containsExactlyElementsOf(ALLOWED);
  }

  @Test
  void whatGeminisSchemaSubsetMayRefuse_isLeftOut() {
    JsonNode schema = MissionOverseer.modelSchema(ALLOWED);
    JsonNode step = schema.at("/properties/steps/items/properties");

    assertThat(schema.has("$schema")).isFalse();
    assertThat(schema.has("$id")).isFalse();
    assertThat(step.has("parameters")).isFalse();
    assertThat(step.get("id").has("pattern")).isFalse();
    assertThat(step.get("dependsOn").has("uniqueItems")).isFalse();
  }
}
