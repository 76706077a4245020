package dev.gpilot.standin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The stand-in's answers to structured-output calls: deterministic instances that satisfy the
 * caller's schema.
 */
class SchemaInstancesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static JsonNode instance(String schema, String prompt, String mission) throws Exception {
    return new SchemaInstances(MAPPER, MAPPER.readTree(schema), prompt, mission).instance();
  }

  @Test
  void theSameSchemaAndPrompt_giveTheSameAnswer() throws Exception {
    String schema =
        "{\"type\": \"object\", \"properties\": {\"score\": {\"type\": \"integer\"},"
            + " \"notes\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}}}";
    assertThat(instance(schema, "prompt a", "m")).isEqualTo(instance(schema, "prompt a", "m"));
  }

  @Test
  void numbers_stayWithinTheirBounds_forAnyPrompt() throws Exception {
    String schema =
        "{\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\", \"minimum\": 3,"
            + " \"maximum\": 7}, \"x\": {\"type\": \"number\", \"minimum\": 0.5, \"maximum\": 2.5}}}";
    List<Long> seen = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      JsonNode value = instance(schema, "prompt " + i, "m");
      assertThat(value.get("n").asLong()).isBetween(3L, 7L);
      assertThat(value.get("x").asDouble()).isBetween(0.5, 2.5);
      seen.add(value.get("n").asLong());
    }
    assertThat(seen).as("prompts spread over the range").contains(3L, 7L);
  }

  @Test
  void arrays_honourMinAndMaxItems_andEnumItemsCycle() throws Exception {
    JsonNode value =
        instance(
            "{\"type\": \"object\", \"properties\": {"
                + "\"many\": {\"type\": \"array\", \"minItems\": 3, \"items\": {\"enum\": [\"a\", \"b\"]}},"
                + "\"one\": {\"type\": \"array\", \"maxItems\": 1, \"items\": {\"type\": \"boolean\"}},"
                + "\"some\": {\"items\": {\"const\": 42}}}}",
            "p",
            "m");
    assertThat(value.get("many")).extracting(JsonNode::asText).containsExactly("a", "b", "a");
    assertThat(value.get("one")).hasSize(1);
    assertThat(value.get("some"))
        .as("an untyped schema with items is an array of 2")
        .extracting(JsonNode::asInt)
        .containsExactly(42, 42);
  }

  @Test
  void nullableAlternativesAndTypes_getTheirNonNullForm() throws Exception {
    JsonNode value =
        instance(
            "{\"type\": \"object\", \"properties\": {"
                + "\"a\": {\"anyOf\": [{\"type\": \"null\"}, {\"type\": \"integer\", \"minimum\": 9, \"maximum\": 9}]},"
                + "\"b\": {\"type\": [\"null\", \"boolean\"]},"
                + "\"c\": {\"oneOf\": [{\"type\": \"null\"}]},"
                + "\"d\": {\"type\": \"null\"}}}",
            "p",
            "m");
    assertThat(value.get("a").asInt()).isEqualTo(9);
    assertThat(value.get("b").isBoolean()).isTrue();
    assertThat(value.get("c").isNull()).as("only null allowed").isTrue();
    assertThat(value.get("d").isNull()).isTrue();
  }

  @Test
  void localRefsResolve_andOtherRefsOrCyclesEndInAnEmptyObject() throws Exception {
    JsonNode value =
        instance(
            "{\"$defs\": {\"Item\": {\"type\": \"object\", \"properties\": {"
                + "\"finding\": {\"type\": \"string\"}, \"next\": {\"$ref\": \"#/$defs/Item\"}}}},"
                + "\"type\": \"object\", \"properties\": {\"item\": {\"$ref\": \"#/$defs/Item\"},"
                + "\"remote\": {\"$ref\": \"https://example.com/s.json\"}, \"missing\": {\"$ref\": \"#/$defs/Nope\"}}}",
            "p",
            "Write a launch post");
    assertThat(value.path("item").path("finding").asText())
        .isEqualTo("Finding 1 on Write a launch post.");
    JsonNode deepest = value.get("item");
    int depth = 0;
    while (deepest.has("next")) {
      deepest = deepest.get("next");
      depth++;
    }
    assertThat(depth).as("a recursive schema stops").isBetween(1, 13);
    assertThat(value.get("remote")).isEqualTo(MAPPER.createObjectNode());
    assertThat(value.get("missing")).isEqualTo(MAPPER.createObjectNode());
  }

  @Test
  void geminisUpperCaseOpenApiTypes_areUnderstood() throws Exception {
    JsonNode value =
        instance(
            "{\"type\": \"OBJECT\", \"properties\": {\"ok\": {\"type\": \"BOOLEAN\"},"
                + " \"issues\": {\"type\": \"ARRAY\", \"items\": {\"type\": \"STRING\"}}}}",
            "p",
            "  a   long\nmission  ");
    assertThat(value.get("ok").asBoolean()).isTrue();
    assertThat(value.get("issues")).hasSize(2);
    assertThat(value.get("issues").get(0).asText())
        .isEqualTo("Add a meta description for a long mission.");
  }

  @Test
  void stringsName_aShortenedMission() throws Exception {
    String mission = "x".repeat(100);
    JsonNode value =
        instance(
            "{\"type\": \"object\", \"properties\": {\"summary\": {\"type\": \"string\"}}}",
            "p",
            mission);
    assertThat(value.get("summary").asText())
        .isEqualTo("Simulated summary 1 for " + "x".repeat(59) + "….");
    assertThat(instance("{\"type\": \"string\"}", "p", " ").asText())
        .isEqualTo("Simulated value 1 for the task.");
  }

  private static final String PLAN =
      "{\"type\": \"object\", \"properties\": {\"steps\": {\"type\": \"array\","
          + " \"items\": {\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\"},"
          + " \"agent\": %s, \"action\": {\"type\": \"string\"},"
          + " \"dependsOn\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}}}}}}";

  @Test
  void aPlanSchema_getsAFanOutFanInPlan_overTheAgentsItsPromptAllows() throws Exception {
    JsonNode plan =
        instance(
            PLAN.formatted("{\"type\": \"string\"}"),
            "Mission: x\nAllowed agents: agent-scout, seo-analyst,  copy-writer, independent-verifier, Bad_Name\n",
            "x");
    JsonNode steps = plan.get("steps");
    assertThat(steps)
        .extracting(s -> s.get("agent").asText())
        .containsExactly("agent-scout", "seo-analyst", "copy-writer", "independent-verifier");
    assertThat(steps.get(0).get("dependsOn")).isEmpty();
    assertThat(steps.get(1).get("dependsOn")).extracting(JsonNode::asText).containsExactly("s1");
    assertThat(steps.get(2).get("dependsOn")).extracting(JsonNode::asText).containsExactly("s1");
    assertThat(steps.get(3).get("dependsOn"))
        .extracting(JsonNode::asText)
        .containsExactly("s2", "s3");
    assertThat(steps.get(0).get("action").asText())
        .isEqualTo("Lay the groundwork for \"x\" (agent-scout)");
    assertThat(steps.get(3).get("action").asText())
        .isEqualTo("Check and finish \"x\" (independent-verifier)");
  }

  @Test
  void aPlanSchema_prefersItsAgentEnum_capsTheSteps_andFallsBackToOneAgent() throws Exception {
    JsonNode eight =
        instance(
            PLAN.formatted(
                "{\"enum\": [\"a1\", \"a2\", \"a3\", \"a4\", \"a5\", \"a6\", \"a7\", \"a8\"]}"),
            "Allowed agents: ignored-agent",
            "x");
    assertThat(eight.get("steps"))
        .extracting(s -> s.get("agent").asText())
        .containsExactly("a1", "a2", "a3", "a4", "a5", "a6");
    JsonNode two = instance(PLAN.formatted("{\"enum\": [\"a1\", \"a2\"]}"), "p", "");
    assertThat(two.get("steps").get(1).get("dependsOn"))
        .extracting(JsonNode::asText)
        .containsExactly("s1");
    JsonNode none = instance(PLAN.formatted("{\"type\": \"string\"}"), "no list here", "");
    assertThat(none.get("steps"))
        .singleElement()
        .satisfies(s -> assertThat(s.get("agent").asText()).isEqualTo("genesis-architect"));
  }
}
