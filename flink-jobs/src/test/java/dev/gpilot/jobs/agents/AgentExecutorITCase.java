package dev.gpilot.jobs.agents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.Sha256;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.agents.gemini.ApiKey;
import dev.gpilot.jobs.agents.gemini.DeploymentKey;
import dev.gpilot.jobs.agents.gemini.GeminiAgent;
import dev.gpilot.jobs.agents.gemini.GeminiOptions;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import dev.gpilot.standin.CallRecord;
import dev.gpilot.standin.Fault;
import dev.gpilot.standin.GeminiStandin;
import dev.gpilot.testing.Schemas;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The executor in a Flink job with its call retries, the real SDK and the stand-in: retriable
 * failures are called again within the step attempt, others fail it at once, and what comes out
 * carries the model's usage and cost.
 */
class AgentExecutorITCase {
  private static final String TASK_MANAGER_KEY_VARIABLE = "GPILOT_TEST_DEPLOYMENT_KEY";
  private static GeminiStandin standin;

  @BeforeAll
  static void start() throws Exception {
    standin = GeminiStandin.start(0);
  }

  @AfterAll
  static void stop() {
    standin.close();
  }

  private static StepRequest request(String stepId, String mission) {
    return new StepRequest(
        "m-exec",
        "default",
        stepId,
        1,
        "agent-scout",
        "Scout it",
        null,
        mission,
        System.currentTimeMillis());
  }

  @Test
  void retriableFailuresAreCalledAgainWithinTheAttempt_othersFailItAtOnce() throws Exception {
    standin.inject(
        Fault.httpError(429).matching("mission-rate-limited").repeat(2),
        // Every call gets the 400: on a loaded machine a first call may time out (retried), and the
        // next must fail.
        new Fault(
                "mission-bad-request",
                null,
                null,
                400,
                "Invalid JSON payload received.",
                null,
                null,
                null,
                null,
                null)
            .repeat(10),
        Fault.httpError(500).matching("mission-broken").repeat(10),
        Fault.slow(3_000).matching("mission-slow-once"),
        Fault.slow(60_000).matching("mission-stuck").repeat(10));

    GeminiOptions gemini =
        GeminiOptions.of(
                DeploymentKey.insecureInJobGraph(ApiKey.of("exec-test-key")), standin.baseUrl())
            .withCallTimeout(Duration.ofSeconds(2));
    Configuration conf = new Configuration();
    conf.setString("parallelism.default", "1");
    conf.setString("pipeline.generic-types", "false");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
    DataStream<StepRequest> requests =
        env.addSource(
            new OpenEndedSource(
                List.of(
                    request("ok", "mission-fine"),
                    request("limited", "mission-rate-limited"),
                    request("bad", "mission-bad-request"),
                    request("broken", "mission-broken"),
                    request("slow", "mission-slow-once"),
                    request("stuck", "mission-stuck"))),
            "requests",
            JsonTypeInfo.of(StepRequest.class));
    List<StepResult> results =
        AsyncDataStream.unorderedWait(
                requests,
                new AgentExecutor(
                    GeminiAgent.factory(gemini),
                    new CallRetries(3, Duration.ofMillis(50), Duration.ofMillis(200))),
                60,
                TimeUnit.SECONDS,
                16)
            .executeAndCollect(6);

    Map<String, StepResult> byStep =
        results.stream().collect(Collectors.toMap(StepResult::stepId, Function.identity()));
    assertThat(byStep).hasSize(6);
    results.forEach(r -> assertThat(Schemas.problems("step-result.v1", r)).isEmpty());

    assertThat(byStep.get("ok").succeeded()).as(String.valueOf(byStep.get("ok").error())).isTrue();
    assertThat(byStep.get("ok").model()).isEqualTo("gpilot-standin/gemini-2.5-flash");
    assertThat(byStep.get("ok").costMicros()).isPositive();
    assertThat(byStep.get("ok").usage().promptTokens()).isPositive();
    assertThat(byStep.get("ok").priceVersion()).startsWith("2026-01-15/gemini-2.5-flash");

    // 429, 429, then an answer: one step attempt, three calls.
    assertThat(byStep.get("limited").succeeded())
        .as(String.valueOf(byStep.get("limited").error()))
        .isTrue();
    assertThat(byStep.get("limited").attempt()).isEqualTo(1);
    assertThat(byStep.get("limited").costMicros()).isPositive();

    assertThat(byStep.get("bad").succeeded()).isFalse();
    assertThat(byStep.get("bad").error())
        .contains("400")
        .contains("Invalid JSON payload received.");

    assertThat(byStep.get("broken").succeeded()).isFalse();
    assertThat(byStep.get("broken").error()).contains("500");

    assertThat(byStep.get("slow").succeeded())
        .isTrue(); // the first call timed out, the retry answered

    assertThat(byStep.get("stuck").succeeded()).isFalse();
    assertThat(byStep.get("stuck").error()).containsIgnoringCase("timeout");

    List<CallRecord> calls = standin.calls();
    assertThat(count(calls, "mission-rate-limited", 429)).isEqualTo(2);
    assertThat(count(calls, "mission-bad-request", 400)).isEqualTo(1); // not retried
    assertThat(count(calls, "mission-broken", 500)).isEqualTo(4); // the first call and 3 retries
    assertThat(count(calls, "mission-stuck", 200)).isEqualTo(4);
  }

  @Test
  void deploymentKey_travelsAsItsVariablesName_andTheCallsUseTheKeyOfTheTaskManagersEnvironment()
      throws Exception {
    // Set by surefire (flink-jobs/pom.xml): the environment of this JVM, where the MiniCluster's
    // tasks run.
    String key = System.getenv(TASK_MANAGER_KEY_VARIABLE);
    assertThat(key)
        .as("run through Maven: surefire sets " + TASK_MANAGER_KEY_VARIABLE)
        .isNotBlank();
    standin.clearCalls();
    GeminiOptions gemini =
        GeminiOptions.of(
            DeploymentKey.fromEnvironment(TASK_MANAGER_KEY_VARIABLE), standin.baseUrl());
    AgentExecutor executor = new AgentExecutor(GeminiAgent.factory(gemini));
    assertThat(new String(InstantiationUtil.serializeObject(executor), StandardCharsets.ISO_8859_1))
        .contains(TASK_MANAGER_KEY_VARIABLE)
        .doesNotContain(key);

    Configuration conf = new Configuration();
    conf.setString("parallelism.default", "1");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
    DataStream<StepRequest> requests =
        env.addSource(
            new OpenEndedSource(List.of(request("env-key", "mission-env"))),
            "requests",
            JsonTypeInfo.of(StepRequest.class));
    List<StepResult> results =
        AsyncDataStream.unorderedWait(requests, executor, 60, TimeUnit.SECONDS, 4)
            .executeAndCollect(1);

    assertThat(results.get(0).succeeded()).as(String.valueOf(results.get(0).error())).isTrue();
    assertThat(standin.calls())
        .extracting(CallRecord::apiKeySha256)
        .containsExactly(Sha256.hex(key));
  }

  private static long count(List<CallRecord> calls, String match, int status) {
    return calls.stream()
        .filter(c -> c.fault() != null && match.equals(c.fault().match()) && c.status() == status)
        .count();
  }
}
