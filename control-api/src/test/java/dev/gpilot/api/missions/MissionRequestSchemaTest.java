package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One test per rule the request schemas state, each reading its bound from the shipped schema file
 * (contracts' {@code schemas/}, on the classpath) and checking what a client gets at the bound and
 * just past it. A rule taken out of the schema fails its test twice: the schema no longer states
 * it, and the request past the bound is accepted.
 */
class MissionRequestSchemaTest {
  private static final JsonNode REQUEST = schema("mission-request.v1");
  private static final JsonNode CONFIG = schema("mission-config.v1");
  private static final JsonNode PLAN = schema("plan.v1");
  private static final JsonNode STEP = PLAN.at("/properties/steps/items");

  private static JsonNode schema(String name) {
    try (InputStream in =
        MissionRequestSchemaTest.class
            .getClassLoader()
            .getResourceAsStream("schemas/" + name + ".schema.json")) {
      assertThat(in).as(name + " is shipped in contracts").isNotNull();
      return Json.mapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MissionRequest accept(ObjectNode body) {
    return MissionRequest.of(body);
  }

  private static ApiException reject(ObjectNode body) {
    Throwable thrown =
        org.assertj.core.api.Assertions.catchThrowable(() -> MissionRequest.of(body));
    assertThat(thrown).as(body.toString()).isInstanceOf(ApiException.class);
    return (ApiException) thrown;
  }

  private static void rejected400(ObjectNode body, String... inDetail) {
    ApiException e = reject(body);
    assertThat(e.status()).as(body.toString()).isEqualTo(400);
    assertThat(e.type()).isEqualTo("invalid-request");
    assertThat(e.getMessage()).contains(inDetail);
  }

  private static void rejected422(ObjectNode body, String... inDetail) {
    ApiException e = reject(body);
    assertThat(e.status()).as(body.toString()).isEqualTo(422);
    assertThat(e.type()).isEqualTo("invalid-plan");
    assertThat(e.getMessage()).contains(inDetail);
  }

  private static ObjectNode body() {
    return Json.mapper().createObjectNode().put("mission", "plan a launch");
  }

  private static ObjectNode withConfig(String field, JsonNode value) {
    ObjectNode body = body();
    body.putObject("config").set(field, value);
    return body;
  }

  private static ObjectNode step(String id) {
    return Json.mapper().createObjectNode().put("id", id).put("agent", "agent-scout");
  }

  private static ObjectNode withSteps(List<ObjectNode> steps) {
    ObjectNode body = body();
    ArrayNode array = body.putObject("config").putObject("plan").putArray("steps");
    steps.forEach(array::add);
    return body;
  }

  @Test
  void unknownTopLevelField_is400NamingIt_becauseTheRequestSchemaAllowsNoOthers() {
    assertThat(REQUEST.get("additionalProperties").asBoolean(true)).isFalse();

    rejected400(body().put("missionn", "typo"), "unknown field 'missionn'");
  }

  @Test
  void unknownConfigField_is400NamingIt_becauseTheConfigSchemaAllowsNoOthers() {
    assertThat(CONFIG.get("additionalProperties").asBoolean(true)).isFalse();

    rejected400(
        withConfig("explicitAgent", Json.mapper().createArrayNode().add("agent-scout")),
        "unknown field 'config.explicitAgent'");
  }

  @Test
  void planner_isOneOfTheSchemasValues_anythingElseIs400() {
    List<String> planners = new ArrayList<>();
    CONFIG.at("/properties/planner/enum").forEach(p -> planners.add(p.asText()));
    assertThat(planners).containsExactlyInAnyOrder("deterministic", "overseer");

    for (String planner : planners) {
      assertThat(
              accept(withConfig("planner", Json.mapper().valueToTree(planner))).config().planner())
          .isEqualTo(planner);
    }
    rejected400(
        withConfig("planner", Json.mapper().valueToTree("Overseer")),
        "'config.planner' must be one of");
  }

  @Test
  void deadlineSeconds_upToTheSchemasMaximum_isAccepted_oneMoreIs400() {
    int max = CONFIG.at("/properties/deadlineSeconds/maximum").asInt(-1);
    assertThat(max).isEqualTo(7 * 24 * 3600);

    assertThat(
            accept(withConfig("deadlineSeconds", Json.mapper().valueToTree(max)))
                .config()
                .deadlineSeconds())
        .isEqualTo(max);
    rejected400(
        withConfig("deadlineSeconds", Json.mapper().valueToTree(max + 1)),
        "'config.deadlineSeconds'");
    rejected400(
        withConfig("deadlineSeconds", Json.mapper().valueToTree(0)), "'config.deadlineSeconds'");
  }

  @Test
  void params_mustBeAnObject() {
    assertThat(CONFIG.at("/properties/params/type").asText()).isEqualTo("object");

    ObjectNode params = Json.mapper().createObjectNode().put("region", "eu");
    assertThat(accept(withConfig("params", params)).config().params()).isEqualTo(params);
    rejected400(
        withConfig("params", Json.mapper().valueToTree(3)),
        "'config.params' must be an object, got integer");
  }

  @Test
  void mission_upToTheSchemasMaxLength_isAccepted_oneMoreIs400() {
    int max = REQUEST.at("/properties/mission/maxLength").asInt(-1);
    assertThat(max).isEqualTo(100_000);

    assertThat(accept(body().put("mission", "m".repeat(max))).mission()).hasSize(max);
    rejected400(body().put("mission", "m".repeat(max + 1)), "'mission' must be at most");
  }

  @Test
  void mission_blank_is400_andIsStoredTrimmed() {
    rejected400(body().put("mission", " \t\n "), "'mission' must not be blank");
    assertThat(accept(body().put("mission", "  launch  ")).mission()).isEqualTo("launch");
  }

  @Test
  void nullIsAWrongType_notTheDefault() {
    rejected400(
        (ObjectNode) body().set("config", Json.mapper().nullNode()),
        "'config' must be an object, got null");
    rejected400(withConfig("planner", Json.mapper().nullNode()), "'config.planner'");
  }

  @Test
  void everyOffendingField_isNamedInOneDetail() {
    ObjectNode body = withConfig("execution", Json.mapper().valueToTree("sideways"));
    ((ObjectNode) body.get("config")).put("failurePolicy", "never").put("colour", "red");

    rejected400(
        body, "'config.execution'", "'config.failurePolicy'", "unknown field 'config.colour'");
  }

  @Test
  void aBodyBreakingARuleThousandsOfTimes_getsAShortDetail_namingTheFirstAndCountingTheRest() {
    ArrayNode agents = Json.mapper().createArrayNode();
    for (int i = 0; i < 5_000; i++) {
      agents.add(i);
    }
    ApiException e = reject(withConfig("explicitAgents", agents));

    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage())
        .contains("'config.explicitAgents'", "'config.explicitAgents[0]' must be a string")
        .contains("more")
        .hasSizeLessThan(2_000);
  }

  @Test
  void aNumberBeyondADoublesRange_is400NamingWhereItIs_evenWhereAnEnumIsExpected()
      throws Exception {
    for (String field : List.of("execution", "planner", "deadlineSeconds")) {
      ObjectNode body =
          (ObjectNode)
              Json.mapper()
                  .readTree("{\"mission\": \"x\", \"config\": {\"" + field + "\": 1e400}}");
      rejected400(body, "'config." + field + "' is a number out of range");
    }
    ObjectNode params =
        (ObjectNode)
            Json.mapper()
                .readTree("{\"mission\": \"x\", \"config\": {\"params\": {\"a\": [1, -1e999]}}}");
    rejected400(params, "'config.params.a[1]' is a number out of range");
  }

  @Test
  void aPlanStepMayLeaveOutActionAndDependsOn_theContractsDefaults() {
    assertThat(STEP.get("required"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("id", "agent");

    MissionRequest request = accept(withSteps(List.of(step("a"))));

    assertThat(request.config().plan().steps().get(0).action())
        .isEqualTo(STEP.at("/properties/action/default").asText());
    assertThat(request.config().plan().steps().get(0).dependsOn()).isEmpty();
  }

  @Test
  void aMalformedStep_is400_butAStepPastAPlanBound_is422InvalidPlan() {
    rejected400(
        withSteps(List.of(step("a").put("timeoutSeconds", "60"))),
        "'config.plan.steps[0].timeoutSeconds' must be an integer, got string");
    rejected400(
        withSteps(List.of(step("a").put("retries", 2))),
        "unknown field 'config.plan.steps[0].retries'");
    rejected400(
        withSteps(List.of(Json.mapper().createObjectNode().put("id", "a"))),
        "'config.plan.steps[0].agent' is required");

    rejected422(withSteps(List.of(step("1a"))), "'config.plan.steps[0].id'");
  }

  @Test
  void timeoutSeconds_upToTheSchemasMaximum_isAccepted_oneMoreIs422() {
    int max = STEP.at("/properties/timeoutSeconds/maximum").asInt(-1);
    assertThat(max).isEqualTo(3600);

    assertThat(
            accept(withSteps(List.of(step("a").put("timeoutSeconds", max))))
                .config()
                .plan()
                .steps()
                .get(0)
                .timeoutSeconds())
        .isEqualTo(max);
    rejected422(
        withSteps(List.of(step("a").put("timeoutSeconds", max + 1))),
        "'config.plan.steps[0].timeoutSeconds' must have a maximum value of");
    rejected422(
        withSteps(List.of(step("a").put("timeoutSeconds", 10_000_000_000L))),
        "'config.plan.steps[0].timeoutSeconds'");
  }

  @Test
  void maxAttempts_upToTheSchemasMaximum_isAccepted_oneMoreIs422() {
    int max = STEP.at("/properties/maxAttempts/maximum").asInt(-1);
    assertThat(max).isEqualTo(10);

    assertThat(
            accept(withSteps(List.of(step("a").put("maxAttempts", max))))
                .config()
                .plan()
                .steps()
                .get(0)
                .maxAttempts())
        .isEqualTo(max);
    rejected422(
        withSteps(List.of(step("a").put("maxAttempts", max + 1))),
        "'config.plan.steps[0].maxAttempts'");
  }

  @Test
  void planSteps_upToTheSchemasMaxItems_areAccepted_oneMoreIs422() {
    int max = PLAN.at("/properties/steps/maxItems").asInt(-1);
    assertThat(max).isEqualTo(200);
    List<ObjectNode> steps = new ArrayList<>();
    for (int i = 0; i < max; i++) {
      steps.add(step("s" + i));
    }

    assertThat(accept(withSteps(steps)).config().plan().steps()).hasSize(max);
    steps.add(step("extra"));
    rejected422(withSteps(steps), "'config.plan.steps'");
  }

  @Test
  void planAndExplicitAgents_together_is400_whatTheSchemaCannotSay() {
    ObjectNode body = withSteps(List.of(step("a")));
    ((ObjectNode) body.get("config")).putArray("explicitAgents").add("agent-scout");

    rejected400(body, "either 'config.plan' or 'config.explicitAgents'");
  }

  @Test
  void aRequestInConflictWithTheSchema_isNeverAccepted_evenWhenTheRestOfThePlanIsAlsoInvalid() {
    ObjectNode body = withSteps(List.of(step("a").put("timeoutSeconds", 0), step("a")));
    ((ObjectNode) body.get("config")).put("planner", "magic");

    assertThatThrownBy(() -> MissionRequest.of(body))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("'config.planner'");
  }
}
