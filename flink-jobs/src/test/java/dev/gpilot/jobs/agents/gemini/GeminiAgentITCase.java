package dev.gpilot.jobs.agents.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.agents.AgentCatalog;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.jobs.agents.AgentException;
import dev.gpilot.jobs.agents.AgentReply;
import dev.gpilot.jobs.agents.DeltaListener;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.plans.PlanValidator;
import dev.gpilot.standin.CallRecord;
import dev.gpilot.standin.Fault;
import dev.gpilot.standin.GeminiStandin;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real google-genai SDK against the Gemini stand-in over HTTP: what a step gets, what it costs,
 * how it fails.
 */
class GeminiAgentITCase {
  private static final String KEY = "test-key-do-not-leak-7f3a";
  private static GeminiStandin standin;
  private static GeminiAgent agent;

  @BeforeAll
  static void start() throws Exception {
    standin = GeminiStandin.start(0);
    agent = newAgent(standinOptions().withCallTimeout(Duration.ofSeconds(5)));
  }

  /**
   * The stand-in's options; the agents made here get their key directly, not through the options.
   */
  private static GeminiOptions standinOptions() {
    return GeminiOptions.of(DeploymentKey.fromEnvironment("UNUSED"), standin.baseUrl());
  }

  private static GeminiAgent newAgent(GeminiOptions options) {
    return new GeminiAgent(
        options,
        AgentCatalog.shipped(),
        PriceTable.shipped(),
        GeminiKeyResolver.deployment(ApiKey.of(KEY)),
        Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    agent.close();
    standin.close();
  }

  @BeforeEach
  void reset() {
    standin.clearFaults();
    standin.clearCalls();
  }

  private static StepRequest step(String agentName, String action) {
    return new StepRequest(
        "m-1", "default", "s1", 1, agentName, action, null, "Launch the autumn collection", 0L);
  }

  private static AgentReply run(StepRequest request) throws Exception {
    return agent.call(request).get(30, TimeUnit.SECONDS);
  }

  private static AgentException failure(StepRequest request) {
    Throwable thrown = catchThrowable(() -> agent.call(request).join());
    assertThat(thrown)
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(AgentException.class);
    return (AgentException) thrown.getCause();
  }

  /**
   * The cost computed independently of the code under test, from the published per-million prices.
   */
  private static long expectedMicros(
      Usage u, String input, String cached, String output, String thinking) {
    BigDecimal credits =
        BigDecimal.valueOf(u.promptTokens() - u.cachedTokens())
            .multiply(new BigDecimal(input))
            .add(BigDecimal.valueOf(u.cachedTokens()).multiply(new BigDecimal(cached)))
            .add(BigDecimal.valueOf(u.outputTokens()).multiply(new BigDecimal(output)))
            .add(BigDecimal.valueOf(u.thinkingTokens()).multiply(new BigDecimal(thinking)));
    // credits per million tokens × tokens = micro-credits
    return credits.setScale(0, RoundingMode.HALF_UP).longValueExact();
  }

  private static Usage recorded(CallRecord call) {
    return new Usage(
        call.promptTokenCount(),
        call.candidatesTokenCount(),
        call.thoughtsTokenCount(),
        call.cachedContentTokenCount());
  }

  @Test
  void clientsPerKey_areBounded_andADroppedClientLeavesTheSharedPoolWorking() throws Exception {
    GeminiOptions options = standinOptions().withCallTimeout(Duration.ofSeconds(5));
    var scout = AgentCatalog.shipped().find("agent-scout").orElseThrow();
    try (GeminiCaller caller =
        new GeminiCaller(options, PriceTable.shipped(), Clock.systemUTC(), 1)) {
      for (String key : List.of("key-a-1111", "key-b-2222", "key-a-1111")) {
        String answer =
            caller
                .askText(ApiKey.of(key), scout, "Find the audience", null, DeltaListener.NONE)
                .get(30, TimeUnit.SECONDS)
                .value();

        assertThat(answer).contains("Find the audience");
        assertThat(caller.clientCount()).isEqualTo(1);
      }
    }
    // Each call went out with its own key, the third on a new client after the first was dropped.
    List<String> keys = standin.calls().stream().map(CallRecord::apiKeySha256).toList();
    assertThat(keys).hasSize(3);
    assertThat(keys.get(0)).isNotEqualTo(keys.get(1)).isEqualTo(keys.get(2));
  }

  @Test
  void freeTextStep_answersText_withTheStandinsUsage_andItsExactCost() throws Exception {
    AgentReply reply = run(step("agent-scout", "Find the audience"));

    assertThat(reply.output().get("text").asText()).contains("Find the audience");
    assertThat(reply.charge().model()).isEqualTo("gpilot-standin/gemini-2.5-flash");
    List<CallRecord> calls = standin.calls();
    assertThat(calls).hasSize(1);
    Usage usage = recorded(calls.get(0));
    assertThat(reply.charge().usage()).isEqualTo(usage);
    assertThat(usage.cachedTokens())
        .isPositive(); // the system instruction counts as cached on the stand-in
    assertThat(usage.thinkingTokens()).isPositive();
    assertThat(reply.charge().costMicros())
        .isEqualTo(expectedMicros(usage, "0.30", "0.03", "2.50", "2.50"));
    assertThat(reply.charge().priceVersion()).isEqualTo("2026-01-15/gemini-2.5-flash@2025-06-17");
  }

  @Test
  void thinkingAndCachedTokens_arePricedExactly_includingTheLongContextTier() throws Exception {
    standin.inject(
        Fault.withUsage(
            Map.of(
                "promptTokenCount",
                1234,
                "cachedContentTokenCount",
                1000,
                "candidatesTokenCount",
                77,
                "thoughtsTokenCount",
                5)));
    AgentReply flash = run(step("agent-scout", "Find the audience"));
    // 234 × 0.30 + 1000 × 0.03 + 77 × 2.50 + 5 × 2.50 = 70.2 + 30 + 192.5 + 12.5 = 305.2 → 305
    assertThat(flash.charge().usage()).isEqualTo(new Usage(1234, 77, 5, 1000));
    assertThat(flash.charge().costMicros()).isEqualTo(305);

    standin.inject(
        Fault.withUsage(
            Map.of(
                "promptTokenCount",
                1_000_000,
                "cachedContentTokenCount",
                400_000,
                "candidatesTokenCount",
                100_000,
                "thoughtsTokenCount",
                50_000)));
    AgentReply pro = run(step("genesis-architect", "Design it"));
    // Over 200k prompt tokens: 600k × 2.50 + 400k × 0.25 + 100k × 15 + 50k × 15 = 3,850,000
    // micro-credits
    assertThat(pro.charge().costMicros())
        .isEqualTo(3_850_000)
        .isEqualTo(expectedMicros(pro.charge().usage(), "2.50", "0.25", "15", "15"));
    assertThat(pro.charge().usage().totalTokens()).isEqualTo(1_150_000);
  }

  @Test
  void structuredAgent_answersJsonOfItsSchema() throws Exception {
    AgentReply reply = run(step("seo-analyst", "Score the landing page"));

    JsonNode output = reply.output();
    assertThat(output.get("seoScore").isIntegralNumber()).isTrue();
    assertThat(output.get("seoScore").asInt()).isBetween(0, 100);
    assertThat(output.get("issues").isArray()).isTrue();
    assertThat(output.get("issues").get(0).isTextual()).isTrue();
    assertThat(standin.calls()).singleElement().satisfies(c -> assertThat(c.structured()).isTrue());
  }

  @Test
  void malformedJson_getsOneRepairTurn_andBothCallsAreBilled() throws Exception {
    standin.inject(Fault.brokenJson());
    AgentReply reply = run(step("seo-analyst", "Score the landing page"));

    assertThat(reply.output().get("seoScore").isIntegralNumber()).isTrue();
    List<CallRecord> calls = standin.calls();
    assertThat(calls).hasSize(2);
    Usage both = recorded(calls.get(0)).plus(recorded(calls.get(1)));
    assertThat(reply.charge().usage()).isEqualTo(both);
    assertThat(reply.charge().costMicros())
        .isEqualTo(expectedMicros(both, "0.30", "0.03", "2.50", "2.50"));
  }

  @Test
  void repairCallThatFails_failsTheAttemptAsItsErrorDoes_withTheFirstCallsCharge() {
    standin.inject(Fault.brokenJson());
    standin.inject(Fault.httpError(503));
    AgentException failure = failure(step("seo-analyst", "Score the landing page"));

    assertThat(failure.retriable()).isTrue();
    assertThat(failure.getMessage()).contains("503");
    List<CallRecord> calls = standin.calls();
    assertThat(calls).hasSize(2);
    Usage first = recorded(calls.get(0));
    assertThat(failure.charge()).isNotNull();
    assertThat(failure.charge().usage()).isEqualTo(first);
    assertThat(failure.charge().costMicros())
        .isEqualTo(expectedMicros(first, "0.30", "0.03", "2.50", "2.50"));
  }

  @Test
  void jsonThatBreaksTheSchema_isRepairedToo() throws Exception {
    standin.inject(Fault.answer("{\"seoScore\": \"high\", \"issues\": []}"));
    AgentReply reply = run(step("seo-analyst", "Score the landing page"));
    assertThat(reply.output().get("seoScore").isIntegralNumber()).isTrue();
    assertThat(standin.calls()).hasSize(2);
  }

  @Test
  void malformedJsonTwice_failsTheAttempt_clearly_notRetriable_withTheCostOfBothCalls() {
    standin.inject(Fault.brokenJson().repeat(2));
    AgentException e = failure(step("seo-analyst", "Score the landing page"));

    assertThat(e.retriable()).isFalse();
    assertThat(e.getMessage())
        .contains("not valid JSON for the agent's schema, also after a repair turn");
    assertThat(e.charge().usage().promptTokens()).isPositive();
    assertThat(standin.calls()).hasSize(2);
  }

  @Test
  void safetyBlock_failsTheAttempt_withTheFinishReason() {
    standin.inject(Fault.blocked("SAFETY"));
    AgentException e = failure(step("content-orchestrator", "Write the copy"));

    assertThat(e.retriable()).isFalse();
    assertThat(e.getMessage()).contains("finish reason SAFETY");
    assertThat(e.charge()).isNotNull();
  }

  @Test
  void rateLimitAndServerErrors_areRetriable_otherClientErrorsAreNot_andShowTheProvidersMessage() {
    standin.inject(Fault.httpError(429));
    AgentException limited = failure(step("agent-scout", "x"));
    assertThat(limited.retriable()).isTrue();
    assertThat(limited.getMessage()).contains("429").contains("Resource has been exhausted");

    standin.inject(Fault.httpError(503));
    assertThat(failure(step("agent-scout", "x")).retriable()).isTrue();

    standin.inject(
        new Fault(
            null,
            null,
            null,
            400,
            "API key not valid. Please pass a valid API key.",
            null,
            null,
            null,
            null,
            null));
    AgentException bad = failure(step("agent-scout", "x"));
    assertThat(bad.retriable()).isFalse();
    assertThat(bad.getMessage()).contains("400").contains("API key not valid").doesNotContain(KEY);
  }

  @Test
  void everyCall_carriesItsMissionStepAndAttempt_streamingOrNot_andTheRepairTurnToo()
      throws Exception {
    standin.inject(Fault.brokenJson());
    run(
        new StepRequest(
            "m-ident", "default", "score", 3, "seo-analyst", "Score it", null, "Launch", 0L));
    GeminiAgent streaming = newAgent(standinOptions().withStreaming(true));
    try {
      streaming
          .call(
              new StepRequest(
                  "m-ident", "default", "scout", 1, "agent-scout", "Find", null, "Launch", 0L))
          .get(30, TimeUnit.SECONDS);
    } finally {
      streaming.close();
    }
    agent
        .overseer()
        .plan("default", "Launch", List.of("agent-scout"), null)
        .get(30, TimeUnit.SECONDS);

    List<CallRecord> calls = standin.calls();
    assertThat(calls).hasSize(4);
    assertThat(calls)
        .extracting(
            CallRecord::missionId, CallRecord::stepId, CallRecord::attempt, CallRecord::stream)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("m-ident", "score", 3, false),
            org.assertj.core.groups.Tuple.tuple("m-ident", "score", 3, false), // the repair turn
            org.assertj.core.groups.Tuple.tuple("m-ident", "scout", 1, true),
            org.assertj.core.groups.Tuple.tuple(
                null, null, null, false)); // a plan asked for outside a step
  }

  @Test
  void rateLimitOrOverloadWithRetryAfter_failsRetriably_withTheDelayGeminiAskedFor_streamingOrNot()
      throws Exception {
    standin.inject(Fault.httpError(429).retryAfter(3));
    AgentException limited = failure(step("agent-scout", "x"));
    assertThat(limited.retriable()).isTrue();
    assertThat(limited.retryAfter()).isEqualTo(Duration.ofSeconds(3));
    assertThat(limited.getMessage()).contains("429").contains("Resource has been exhausted");

    standin.inject(Fault.httpError(429));
    assertThat(failure(step("agent-scout", "x")).retryAfter()).isNull();

    GeminiAgent streaming = newAgent(standinOptions().withStreaming(true));
    try {
      standin.inject(Fault.httpError(503).retryAfter(1));
      Throwable thrown = catchThrowable(() -> streaming.call(step("agent-scout", "x")).join());
      AgentException overloaded = (AgentException) thrown.getCause();
      assertThat(overloaded.retriable()).isTrue();
      assertThat(overloaded.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    } finally {
      streaming.close();
    }

    // A repair call that is rate limited keeps the delay with the first call's charge.
    standin.inject(Fault.brokenJson(), Fault.httpError(429).retryAfter(2));
    AgentException repair = failure(step("seo-analyst", "Score it"));
    assertThat(repair.retryAfter()).isEqualTo(Duration.ofSeconds(2));
    assertThat(repair.charge()).isNotNull();
  }

  @Test
  void aCallSlowerThanTheCallTimeout_failsRetriably() {
    GeminiAgent impatient = newAgent(standinOptions().withCallTimeout(Duration.ofMillis(300)));
    try {
      standin.inject(Fault.slow(3_000));
      Throwable thrown = catchThrowable(() -> impatient.call(step("agent-scout", "x")).join());
      assertThat(thrown.getCause()).isInstanceOf(AgentException.class);
      AgentException e = (AgentException) thrown.getCause();
      assertThat(e.retriable()).isTrue();
      assertThat(e.getMessage()).containsIgnoringCase("timeout");
    } finally {
      impatient.close();
    }
  }

  @Test
  void theApiKeyIsSentToGemini_butNeverShown() throws Exception {
    AgentReply reply = run(step("agent-scout", "x"));
    assertThat(standin.calls().get(0).apiKeySha256())
        .isEqualTo(
            java.util.HexFormat.of()
                .formatHex(
                    java.security.MessageDigest.getInstance("SHA-256")
                        .digest(KEY.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    assertThat(Json.mapper().writeValueAsString(reply)).doesNotContain(KEY);
    assertThat(ApiKey.of(KEY).toString()).doesNotContain(KEY);
    assertThat(GeminiOptions.of(DeploymentKey.insecureInJobGraph(ApiKey.of(KEY)), null).toString())
        .doesNotContain(KEY);
  }

  @Test
  void factory_whereTheTasksRunWithoutTheKeysVariable_failsEachCallNamingIt_notRetriable()
      throws Exception {
    GeminiOptions options =
        GeminiOptions.of(
            DeploymentKey.fromEnvironment("GPILOT_TEST_KEY_NOT_SET_4d2a"), standin.baseUrl());
    try (var onTaskManager = GeminiAgent.factory(options).get()) {
      Throwable thrown = catchThrowable(() -> onTaskManager.call(step("agent-scout", "x")).join());

      assertThat(thrown).hasCauseInstanceOf(AgentException.class);
      AgentException failure = (AgentException) thrown.getCause();
      assertThat(failure.retriable()).isFalse();
      assertThat(failure.getMessage()).contains("GPILOT_TEST_KEY_NOT_SET_4d2a");
    }
    assertThat(standin.calls()).isEmpty();
  }

  @Test
  void overseer_plansWithTheAllowedAgentsOnly_andThePlanIsValid() throws Exception {
    MissionOverseer.Proposal proposal =
        agent
            .overseer()
            .plan(
                "default",
                "Launch the autumn collection",
                List.of("agent-scout", "seo-analyst", "independent-verifier"),
                null)
            .get(30, TimeUnit.SECONDS);

    Plan plan = proposal.plan();
    assertThat(plan.steps())
        .extracting(PlanStep::agent)
        .containsExactly("agent-scout", "seo-analyst", "independent-verifier");
    new PlanValidator(
            AgentCatalog.shipped().names().stream().collect(java.util.stream.Collectors.toSet()))
        .validate(plan);
    assertThat(proposal.charge().model()).isEqualTo("gpilot-standin/gemini-2.5-pro");
    assertThat(proposal.charge().costMicros()).isPositive();
    assertThat(proposal.json().get("steps").size()).isEqualTo(3);
  }

  @Test
  void overseerAsAnAgent_plansWithTheWholeCatalogButItself_whenNoAgentsAreGiven() throws Exception {
    AgentReply reply = run(step(AgentCatalog.OVERSEER, "Plan the mission"));
    List<String> agents = new ArrayList<>();
    reply.output().get("steps").forEach(s -> agents.add(s.get("agent").asText()));
    assertThat(agents)
        .isNotEmpty()
        .doesNotContain(AgentCatalog.OVERSEER)
        .allSatisfy(a -> assertThat(AgentCatalog.shipped().plannable()).contains(a));

    StepRequest restricted =
        new StepRequest(
            "m-1",
            "default",
            "plan",
            1,
            AgentCatalog.OVERSEER,
            "Plan",
            Json.mapper().readTree("{\"allowedAgents\": [\"ui-auditor\"]}"),
            "Audit the shop",
            0L);
    JsonNode plan = run(restricted).output();
    assertThat(plan.get("steps")).hasSize(1);
    assertThat(plan.at("/steps/0/agent").asText()).isEqualTo("ui-auditor");
  }

  @Test
  void overseer_refusesAPlanWithAnAgentThatIsNotAllowed() {
    standin.inject(
        Fault.answer(
            "{\"steps\": [{\"id\": \"s1\", \"agent\": \"shadow-agent\", \"action\": \"x\", \"dependsOn\": []}]}"));
    Throwable thrown =
        catchThrowable(
            () -> agent.overseer().plan("default", "Do it", List.of("agent-scout"), null).join());
    AgentException e = (AgentException) thrown.getCause();
    assertThat(e.retriable()).isFalse();
    assertThat(e.getMessage()).contains("shadow-agent").contains("not one of the allowed agents");
    assertThat(standin.calls()).hasSize(1); // refused, not repaired
  }

  @Test
  void overseer_repairsAMalformedPlan() throws Exception {
    standin.inject(Fault.answer("{\"steps\": [{\"id\": \"s1\", \"agent\": \"agent-scout\"}]}"));
    Plan plan =
        agent
            .overseer()
            .plan("default", "Do it", List.of("agent-scout"), null)
            .get(30, TimeUnit.SECONDS)
            .plan();
    assertThat(plan.steps()).hasSize(1);
    assertThat(standin.calls()).hasSize(2);
  }

  @Test
  void streaming_deliversTextDeltasInOrder_andTheSameResult() throws Exception {
    Map<Integer, String> deltas = new java.util.concurrent.ConcurrentSkipListMap<>();
    GeminiAgent streaming = newAgent(standinOptions().withStreaming(true));
    try {
      AgentReply reply =
          streaming
              .call(
                  step("agent-scout", "Find the audience"),
                  (request, index, text) -> deltas.put(index, text))
              .get(30, TimeUnit.SECONDS);
      assertThat(deltas.size()).isGreaterThan(1);
      assertThat(String.join("", deltas.values())).isEqualTo(reply.output().get("text").asText());
      assertThat(reply.charge().usage()).isEqualTo(recorded(standin.calls().get(0)));
      assertThat(standin.calls().get(0).stream()).isTrue();
    } finally {
      streaming.close();
    }
  }

  @Test
  void dependencyOutputs_reachThePrompt() throws Exception {
    Map<String, JsonNode> deps = new LinkedHashMap<>();
    deps.put("s1", Json.mapper().readTree("{\"text\": \"The audience is young professionals.\"}"));
    StepRequest request =
        new StepRequest(
            "m-1",
            "default",
            "s2",
            1,
            "content-orchestrator",
            "Write the copy",
            null,
            "Launch",
            0L,
            deps);
    long withDeps = run(request).charge().usage().promptTokens();
    long without =
        run(step("content-orchestrator", "Write the copy")).charge().usage().promptTokens();
    assertThat(withDeps).isGreaterThan(without);
  }
}
