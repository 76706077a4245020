package dev.gpilot.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The MissionJob's configuration from its environment (SPEC section 4): defaults, overrides,
 * refusals.
 */
class MissionJobOptionsTest {
  private static Map<String, String> env(String... pairs) {
    Map<String, String> env =
        new HashMap<>(
            Map.of(
                "KAFKA_BOOTSTRAP_SERVERS",
                "kafka:9092",
                "CLICKHOUSE_URL",
                "http://clickhouse:8123",
                "GPILOT_AGENTS",
                "simulated"));
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  @Test
  void defaults_areTheDocumentedOnes() {
    MissionJobOptions options = MissionJobOptions.fromEnv(env());

    assertThat(options.clickhouseDatabase()).isEqualTo("gpilot");
    assertThat(options.consumerGroupId()).isEqualTo("gpilot-mission-job");
    assertThat(options.asyncCapacity()).isEqualTo(64);
    assertThat(options.stepTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(options.defaultMaxAttempts()).isEqualTo(3);
    assertThat(options.retryBaseDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.missionRetention()).isEqualTo(Duration.ofDays(7));
    assertThat(options.knownAgents()).contains("agent-scout");
    assertThat(options.maxMissionsInFlight()).isEqualTo(256);
  }

  @Test
  void theEnvironment_overridesThem_andTheWithersChangeOnlyWhatTheyName() {
    MissionJobOptions options =
        MissionJobOptions.fromEnv(
            env(
                "GPILOT_STEP_TIMEOUT_MS",
                "5000",
                "GPILOT_STEP_MAX_ATTEMPTS",
                "5",
                "GPILOT_ASYNC_CAPACITY",
                " 8 ",
                "GPILOT_JOB_GROUP_ID",
                "g2",
                "GPILOT_SIM_LATENCY_MS",
                "20",
                "GPILOT_JOB_MAX_MISSIONS_IN_FLIGHT",
                "2"));

    assertThat(options.stepTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.defaultMaxAttempts()).isEqualTo(5);
    assertThat(options.asyncCapacity()).isEqualTo(8);
    assertThat(options.consumerGroupId()).isEqualTo("g2");
    assertThat(options.maxMissionsInFlight()).isEqualTo(2);
    assertThat(options.withMaxMissionsInFlight(7).maxMissionsInFlight()).isEqualTo(7);
    assertThat(
            options
                .withBudgets(options.budgets())
                .withCosts(options.costs())
                .withAgents(options.agents())
                .maxMissionsInFlight())
        .as("the other withers keep the bound")
        .isEqualTo(2);
    MissionJobOptions changed =
        options.withSimLatencyMs(0).withRetryBaseDelay(Duration.ofMillis(10));
    assertThat(changed.simLatencyMs()).isZero();
    assertThat(changed.retryBaseDelay()).isEqualTo(Duration.ofMillis(10));
    assertThat(changed.withSimLatencyMs(20).withRetryBaseDelay(options.retryBaseDelay()))
        .isEqualTo(options);
  }

  @Test
  void whatCannotWork_isRefusedNamingTheVariable() {
    assertThatThrownBy(() -> MissionJobOptions.fromEnv(env("GPILOT_ASYNC_CAPACITY", "0")))
        .hasMessageContaining("GPILOT_ASYNC_CAPACITY must be >= 1");
    assertThatThrownBy(
            () -> MissionJobOptions.fromEnv(env("GPILOT_JOB_MAX_MISSIONS_IN_FLIGHT", "0")))
        .hasMessageContaining("GPILOT_JOB_MAX_MISSIONS_IN_FLIGHT must be >= 1");
    assertThatThrownBy(() -> MissionJobOptions.fromEnv(env("GPILOT_SIM_LATENCY_MS", "-1")))
        .hasMessageContaining("GPILOT_SIM_LATENCY_MS");
    assertThatThrownBy(
            () -> MissionJobOptions.fromEnv(env("GPILOT_STEP_TIMEOUT_MS", "two minutes")))
        .hasMessageContaining("GPILOT_STEP_TIMEOUT_MS must be an integer");
    Map<String, String> noKafka = env();
    noKafka.remove("KAFKA_BOOTSTRAP_SERVERS");
    assertThatThrownBy(() -> MissionJobOptions.fromEnv(noKafka))
        .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS");
  }
}
