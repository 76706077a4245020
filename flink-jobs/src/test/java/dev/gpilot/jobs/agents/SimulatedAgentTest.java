package dev.gpilot.jobs.agents;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Json;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The simulated agent as demos and tests script it through a step's {@code parameters.simulate}.
 */
class SimulatedAgentTest {
  private final SimulatedAgent agent = new SimulatedAgent(0);

  @AfterEach
  void close() {
    agent.close();
  }

  private static StepRequest attempt(int attempt, String simulate, String model) throws Exception {
    JsonNode parameters =
        simulate == null
            ? null
            : Json.mapper().createObjectNode().set("simulate", Json.mapper().readTree(simulate));
    return new StepRequest(
        "m1",
        "ws-a",
        "s1",
        attempt,
        "agent-scout",
        "research the market",
        parameters,
        "Plan a launch",
        java.util.Map.of(),
        0,
        0,
        model);
  }

  private static AgentException failure(CompletableFuture<AgentReply> reply) {
    assertThat(reply).failsWithin(5, TimeUnit.SECONDS);
    try {
      reply.get();
      throw new AssertionError("succeeded");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(AgentException.class);
      return (AgentException) e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void unscripted_answersWithWhatItWasAsked_andReportsNoModelUsageOrCost() throws Exception {
    AgentReply reply = agent.call(attempt(1, null, null)).get(5, TimeUnit.SECONDS);

    assertThat(reply.output().get("text").asText())
        .isEqualTo("agent-scout finished: research the market");
    assertThat(reply.output().get("simulated").asBoolean()).isTrue();
    assertThat(reply.charge()).isNull();
    assertThat(agent.run(attempt(1, null, null)).get(5, TimeUnit.SECONDS))
        .isEqualTo(reply.output());
  }

  @Test
  void scriptedOutput_isMergedIntoTheAnswer() throws Exception {
    JsonNode output =
        agent
            .run(attempt(1, "{\"output\": {\"seoScore\": 91, \"text\": \"custom\"}}", null))
            .get(5, TimeUnit.SECONDS);

    assertThat(output.get("seoScore").asInt()).isEqualTo(91);
    assertThat(output.get("text").asText()).as("the script wins").isEqualTo("custom");
    assertThat(output.get("simulated").asBoolean()).isTrue();
  }

  @Test
  void failAttempts_failsTheFirstNAttemptsRetriably_thenSucceeds_chargingEveryAttempt()
      throws Exception {
    String script =
        "{\"failAttempts\": 2, \"model\": \"gemini-2.5-flash\", \"usage\": {\"promptTokens\": 10,"
            + " \"outputTokens\": 5}, \"costMicros\": 42, \"priceVersion\": \"2026-12-01\"}";

    for (int attempt = 1; attempt <= 2; attempt++) {
      AgentException e = failure(agent.call(attempt(attempt, script, null)));
      assertThat(e.retriable()).isTrue();
      assertThat(e.charge().costMicros()).as("a failed attempt is billed too").isEqualTo(42);
    }
    AgentReply third = agent.call(attempt(3, script, null)).get(5, TimeUnit.SECONDS);

    assertThat(third.charge())
        .isEqualTo(new ModelCharge("gemini-2.5-flash", new Usage(10, 5, 0, 0), 42, "2026-12-01"));
  }

  @Test
  void error_failsEveryAttempt_notRetriable_withTheScriptedMessage() throws Exception {
    AgentException e =
        failure(agent.call(attempt(5, "{\"error\": \"the page does not exist\"}", null)));

    assertThat(e.retriable()).isFalse();
    assertThat(e.getMessage()).isEqualTo("the page does not exist");
  }

  @Test
  void aForksModel_isTheModelReported_withTheScriptedUsageOrNone() throws Exception {
    AgentReply unscripted = agent.call(attempt(1, null, "gemini-2.5-pro")).get(5, TimeUnit.SECONDS);
    AgentReply scripted =
        agent
            .call(
                attempt(
                    1, "{\"model\": \"gemini-2.5-flash\", \"costMicros\": 7}", "gemini-2.5-pro"))
            .get(5, TimeUnit.SECONDS);

    assertThat(unscripted.charge())
        .isEqualTo(new ModelCharge("gemini-2.5-pro", Usage.ZERO, 0, null));
    assertThat(scripted.charge().model()).isEqualTo("gemini-2.5-pro");
    assertThat(scripted.charge().costMicros()).isEqualTo(7);
  }

  @Test
  void latency_isScriptable_andTheAnswerWaitsForIt() throws Exception {
    try (SimulatedAgent slow = new SimulatedAgent(10_000)) {
      long start = System.nanoTime();
      CompletableFuture<JsonNode> quick = slow.run(attempt(1, "{\"latencyMs\": 30}", null));

      assertThat(quick.isDone()).isFalse();
      assertThat(quick.get(5, TimeUnit.SECONDS).get("simulated").asBoolean()).isTrue();
      assertThat(System.nanoTime() - start)
          .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
      assertThat(slow.run(attempt(1, null, null))).as("the default latency").isNotDone();
    }
  }
}
