package dev.gpilot.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.MissionStack;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.standin.CallRecord;
import dev.gpilot.standin.Fault;
import dev.gpilot.standin.GeminiStandin;
import dev.gpilot.testing.Schemas;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Missions on Gemini agents through real parts: the API, Kafka, the MissionJob on a MiniCluster,
 * the google-genai SDK and the Gemini stand-in over HTTP. What a user checks: each step's event
 * carries its model, tokens and cost, and the mission's totals add up exactly.
 */
class AgentCostsITCase {
  private static final String TOKEN = "agents-token";
  private static final String KEY = "itcase-gemini-key-0b7e";

  @RegisterExtension
  static final MissionStack STACK =
      MissionStack.builder()
          .standin(20)
          .geminiKey(KEY)
          .token(TOKEN, new Principal("default", "tester"))
          .build();

  /**
   * Prices per million tokens (input, cached, output, thinking) by model, as published: the test's
   * own copy.
   */
  private static final Map<String, String[]> PRICES =
      Map.of(
          "gemini-2.5-flash", new String[] {"0.30", "0.03", "2.50", "2.50"},
          "gemini-2.5-pro", new String[] {"1.25", "0.125", "10", "10"},
          "gemini-2.5-flash-lite", new String[] {"0.10", "0.01", "0.40", "0.40"});

  private static final ApiClient api = STACK.client(TOKEN);

  private static String submitPlannedBy(String planner, String mission, String... agents)
      throws Exception {
    return api.submit(ApiClient.missionBody(planner, mission, agents));
  }

  /** An event's cost recomputed from its usage and the published prices, half up. */
  private static long expectedCost(JsonNode event) {
    String model = event.get("model").asText().replace(GeminiStandin.MODEL_VERSION_PREFIX, "");
    String[] p = PRICES.get(model);
    JsonNode u = event.get("usage");
    long prompt = u.get("promptTokens").asLong();
    long cached = u.get("cachedTokens").asLong();
    BigDecimal micros =
        new BigDecimal(p[0])
            .multiply(BigDecimal.valueOf(prompt - cached))
            .add(new BigDecimal(p[1]).multiply(BigDecimal.valueOf(cached)))
            .add(new BigDecimal(p[2]).multiply(BigDecimal.valueOf(u.get("outputTokens").asLong())))
            .add(
                new BigDecimal(p[3])
                    .multiply(BigDecimal.valueOf(u.get("thinkingTokens").asLong())));
    return micros.setScale(0, RoundingMode.HALF_UP).longValueExact();
  }

  @Test
  void missionOnGemini_stepEventsCarryUsageAndCost_andTheMissionSumsThemExactly() throws Exception {
    String text = "Launch the winter boots line";
    STACK.standin().clearCalls();
    // The first call of the mission is rate limited twice: Flink retries it within the same step
    // attempt.
    STACK.standin().inject(Fault.httpError(429).matching(text).repeat(2));
    String missionId =
        api.submit(text, "agent-scout", "seo-analyst", "independent-verifier", "agent-scout");

    List<JsonNode> events = api.events(missionId);
    events.forEach(
        e -> assertThat(Schemas.problems("mission-event.v1", e)).as(e.toString()).isEmpty());
    assertThat(events.get(events.size() - 1).get("type").asText())
        .isEqualTo(EventTypes.MISSION_COMPLETED);
    List<JsonNode> completed =
        events.stream()
            .filter(e -> e.get("type").asText().equals(EventTypes.STEP_COMPLETED))
            .toList();
    assertThat(completed).hasSize(4);
    for (JsonNode step : completed) {
      assertThat(step.get("attempt").asInt()).isEqualTo(1);
      assertThat(step.get("model").asText()).startsWith("gpilot-standin/gemini-2.5-");
      assertThat(step.at("/usage/promptTokens").asLong()).isPositive();
      assertThat(step.at("/usage/totalTokens").asLong())
          .isEqualTo(
              step.at("/usage/promptTokens").asLong()
                  + step.at("/usage/outputTokens").asLong()
                  + step.at("/usage/thinkingTokens").asLong());
      assertThat(step.get("costMicros").asLong()).isPositive().isEqualTo(expectedCost(step));
    }
    JsonNode seo = completed.get(1);
    assertThat(seo.get("agent").asText()).isEqualTo("seo-analyst");
    assertThat(seo.at("/output/seoScore").isIntegralNumber()).isTrue();
    assertThat(seo.at("/output/issues").isArray()).isTrue();

    JsonNode mission = api.get("/api/v1/missions/" + missionId).json();
    long sumOfEvents = completed.stream().mapToLong(e -> e.get("costMicros").asLong()).sum();
    assertThat(mission.get("costMicros").asLong()).isEqualTo(sumOfEvents);
    long sumOfAgents = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = mission.get("agentCosts").fields();
        it.hasNext(); ) {
      sumOfAgents += it.next().getValue().asLong();
    }
    assertThat(sumOfAgents).isEqualTo(mission.get("costMicros").asLong());
    assertThat(mission.get("agentCosts").get("agent-scout").asLong())
        .isEqualTo(
            completed.get(0).get("costMicros").asLong()
                + completed.get(3).get("costMicros").asLong());
    assertThat(mission.get("models").toString())
        .contains("gpilot-standin/gemini-2.5-flash", "gpilot-standin/gemini-2.5-pro");

    // The mission's usage is the sum of what the stand-in counted for the calls that answered.
    List<CallRecord> answered =
        STACK.standin().calls().stream().filter(c -> c.status() == 200).toList();
    assertThat(answered).hasSize(4);
    JsonNode usage = mission.get("usage");
    assertThat(usage.get("promptTokens").asLong())
        .isEqualTo(answered.stream().mapToLong(CallRecord::promptTokenCount).sum());
    assertThat(usage.get("outputTokens").asLong())
        .isEqualTo(answered.stream().mapToLong(CallRecord::candidatesTokenCount).sum());
    assertThat(usage.get("thinkingTokens").asLong())
        .isEqualTo(answered.stream().mapToLong(CallRecord::thoughtsTokenCount).sum());
    assertThat(usage.get("cachedTokens").asLong())
        .isEqualTo(answered.stream().mapToLong(CallRecord::cachedContentTokenCount).sum());
    assertThat(usage.get("totalTokens").asLong())
        .isEqualTo(
            usage.get("promptTokens").asLong()
                + usage.get("outputTokens").asLong()
                + usage.get("thinkingTokens").asLong());
    assertThat(STACK.standin().calls().stream().filter(c -> c.status() == 429)).hasSize(2);

    JsonNode firstStep = mission.get("steps").get(0);
    assertThat(firstStep.get("model").asText()).isEqualTo("gpilot-standin/gemini-2.5-flash");
    assertThat(firstStep.get("usage")).isEqualTo(completed.get(0).get("usage"));
    assertThat(firstStep.get("costMicros").asLong())
        .isEqualTo(completed.get(0).get("costMicros").asLong());
    assertThat(mission.toString()).doesNotContain(KEY);
  }

  @Test
  void aBlockedAnswer_failsTheStep_withItsReason_andItsTokensStillCount() throws Exception {
    String text = "Write something the model refuses";
    STACK.standin().inject(Fault.blocked("SAFETY").matching(text));
    String missionId = api.submit(text, "content-orchestrator", "seo-analyst");

    List<JsonNode> events = api.events(missionId);
    JsonNode failed =
        events.stream()
            .filter(e -> e.get("type").asText().equals(EventTypes.STEP_FAILED))
            .findFirst()
            .orElseThrow();
    assertThat(failed.get("reason").asText()).contains("finish reason SAFETY");
    assertThat(failed.get("costMicros").asLong()).isPositive().isEqualTo(expectedCost(failed));
    assertThat(events.get(events.size() - 1).get("type").asText())
        .isEqualTo(EventTypes.MISSION_FAILED);

    JsonNode mission = api.get("/api/v1/missions/" + missionId).json();
    assertThat(mission.get("costMicros").asLong()).isEqualTo(failed.get("costMicros").asLong());
    assertThat(mission.at("/agentCosts/content-orchestrator").asLong())
        .isEqualTo(failed.get("costMicros").asLong());
  }

  @Test
  void agentsEndpoint_listsTheCatalogWithModelsAndPrices_forAuthenticatedCallersOnly()
      throws Exception {
    ApiClient.Response response = api.get("/api/v1/agents");
    assertThat(response.status()).isEqualTo(200);
    JsonNode body = response.json();
    assertThat(body.get("agents")).hasSize(7);
    JsonNode seo = null;
    for (JsonNode agent : body.get("agents")) {
      assertThat(agent.get("model").asText()).startsWith("gemini-");
      assertThat(agent.at("/price/priceVersion").asText())
          .startsWith(body.at("/priceTable/version").asText());
      if (agent.get("name").asText().equals("seo-analyst")) {
        seo = agent;
      }
    }
    assertThat(seo).isNotNull();
    assertThat(seo.get("structuredOutput").asBoolean()).isTrue();
    assertThat(seo.at("/outputSchema/properties/seoScore/type").asText()).isEqualTo("integer");
    assertThat(seo.at("/price/input").asLong())
        .isEqualTo(300_000); // 0.30 credits per million tokens
    assertThat(seo.at("/price/thinking").asLong()).isEqualTo(2_500_000);

    assertThat(api.as(null).get("/api/v1/agents").status()).isEqualTo(401);
  }

  @Test
  void missionWithoutPlan_isPlannedByTheOverseer_withinItsExplicitAgents_andThePlanningIsCosted()
      throws Exception {
    String missionId =
        submitPlannedBy(
            null, "Plan a product launch for the spring line", "agent-scout", "seo-analyst");

    List<JsonNode> events = api.events(missionId);
    assertThat(events.get(events.size() - 1).get("type").asText())
        .isEqualTo(EventTypes.MISSION_COMPLETED);
    JsonNode planning =
        events.stream()
            .filter(
                e ->
                    e.get("type").asText().equals(EventTypes.STEP_COMPLETED)
                        && e.get("stepId").asText().equals("_plan"))
            .findFirst()
            .orElseThrow();
    assertThat(planning.get("agent").asText()).isEqualTo("mission-overseer");
    assertThat(planning.get("costMicros").asLong()).isPositive().isEqualTo(expectedCost(planning));
    JsonNode plan =
        events.stream()
            .filter(e -> e.get("type").asText().equals(EventTypes.PLAN_READY))
            .findFirst()
            .orElseThrow()
            .get("plan");
    assertThat(plan.get("steps").size()).isPositive();
    plan.get("steps")
        .forEach(step -> assertThat(step.get("agent").asText()).isIn("agent-scout", "seo-analyst"));

    JsonNode mission = api.get("/api/v1/missions/" + missionId).json();
    assertThat(mission.at("/agentCosts/mission-overseer").asLong())
        .isEqualTo(planning.get("costMicros").asLong());
  }
}
