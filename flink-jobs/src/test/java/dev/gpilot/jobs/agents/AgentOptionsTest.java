package dev.gpilot.jobs.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.jobs.agents.gemini.ApiKey;
import dev.gpilot.jobs.agents.gemini.DeploymentKey;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class AgentOptionsTest {
  @Test
  void withoutGeminiSettings_theAgentsAreSimulated() {
    assertThat(AgentOptions.fromEnv(Map.of(), 64).backend())
        .isEqualTo(AgentOptions.Backend.SIMULATED);
  }

  @Test
  void aKey_selectsGemini_withAnHttpPoolAsLargeAsTheAsyncCapacity_andTheKeyNeverShows() {
    AgentOptions options =
        AgentOptions.fromEnv(
            Map.of(
                "GEMINI_API_KEY",
                "AIza-secret-123",
                "GEMINI_BASE_URL",
                "http://127.0.0.1:8090",
                "GPILOT_AGENT_RETRIES",
                "5"),
            128);
    assertThat(options.backend()).isEqualTo(AgentOptions.Backend.GEMINI);
    assertThat(options.gemini().baseUrl()).isEqualTo("http://127.0.0.1:8090");
    assertThat(options.gemini().maxConnections()).isEqualTo(128);
    assertThat(options.retries()).isEqualTo(5);
    assertThat(options.toString()).doesNotContain("AIza-secret-123");
  }

  @Test
  void theOptionsNameTheKeysVariable_andHoldNoKey_forTheyTravelInTheJobGraph() throws Exception {
    AgentOptions options = AgentOptions.fromEnv(Map.of("GEMINI_API_KEY", "AIza-secret-123"), 64);

    assertThat(options.gemini().deploymentKey())
        .isEqualTo(DeploymentKey.fromEnvironment("GEMINI_API_KEY"));
    assertThat(new String(InstantiationUtil.serializeObject(options), StandardCharsets.ISO_8859_1))
        .doesNotContain("AIza-secret-123");
    // On the task manager, the key is read from its environment.
    assertThat(
            options
                .gemini()
                .deploymentKey()
                .resolve(Map.of("GEMINI_API_KEY", "AIza-on-the-task-manager")))
        .contains(ApiKey.of("AIza-on-the-task-manager"));
  }

  @Test
  void anotherKeyVariable_isNamedByGPILOT_DEPLOYMENT_KEY_ENV() {
    AgentOptions options =
        AgentOptions.fromEnv(
            Map.of("GPILOT_DEPLOYMENT_KEY_ENV", "ACME_GEMINI_KEY", "ACME_GEMINI_KEY", "AIza-acme"),
            64);
    assertThat(options.backend()).isEqualTo(AgentOptions.Backend.GEMINI);
    assertThat(options.gemini().deploymentKey().resolve(Map.of("ACME_GEMINI_KEY", "AIza-acme")))
        .contains(ApiKey.of("AIza-acme"));

    assertThatThrownBy(
            () ->
                AgentOptions.fromEnv(
                    Map.of(
                        "GPILOT_DEPLOYMENT_KEY_ENV",
                        "ACME_GEMINI_KEY",
                        "GPILOT_AGENTS",
                        "gemini",
                        "GEMINI_API_KEY",
                        "AIza-other"),
                    64))
        .hasMessageContaining("ACME_GEMINI_KEY");
  }

  @Test
  void simulatedCanBeForced_evenWithAKey() {
    assertThat(
            AgentOptions.fromEnv(Map.of("GEMINI_API_KEY", "k", "GPILOT_AGENTS", "simulated"), 64)
                .backend())
        .isEqualTo(AgentOptions.Backend.SIMULATED);
  }

  @Test
  void badSettings_sayWhatToSet() {
    assertThatThrownBy(() -> AgentOptions.fromEnv(Map.of("GEMINI_BASE_URL", "http://x:1"), 64))
        .hasMessageContaining("GEMINI_API_KEY");
    assertThatThrownBy(() -> AgentOptions.fromEnv(Map.of("GPILOT_AGENTS", "openai"), 64))
        .hasMessageContaining("gemini or simulated");
    assertThatThrownBy(
            () ->
                AgentOptions.fromEnv(
                    Map.of("GEMINI_API_KEY", "k", "GEMINI_BASE_URL", "ftp://x"), 64))
        .hasMessageContaining("GEMINI_BASE_URL");
    assertThatThrownBy(
            () ->
                AgentOptions.fromEnv(
                    Map.of("GEMINI_API_KEY", "k", "GEMINI_CALL_TIMEOUT_MS", "0"), 64))
        .hasMessageContaining("GEMINI_CALL_TIMEOUT_MS");
    assertThatThrownBy(() -> AgentOptions.fromEnv(Map.of("GPILOT_AGENT_RETRIES", "-1"), 64))
        .hasMessageContaining("GPILOT_AGENT_RETRIES");
    assertThatThrownBy(
            () ->
                AgentOptions.fromEnv(
                        Map.of("GEMINI_API_KEY", "k", "GPILOT_AGENT_CATALOG", "/nonexistent.json"),
                        64)
                    .validate())
        .hasMessageContaining("/nonexistent.json");
  }
}
