package dev.gpilot.jobs.agents.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/** The deployment's Gemini key: named in the job graph, read where calls are made, never shown. */
class DeploymentKeyTest {
  private static final String SECRET = "AIza-deployment-secret-0001";

  @Test
  void theJobGraph_carriesTheVariablesName_notTheKey() throws Exception {
    DeploymentKey named = DeploymentKey.fromEnvironment("GEMINI_API_KEY");
    byte[] serialized = InstantiationUtil.serializeObject(named);
    assertThat(new String(serialized, StandardCharsets.ISO_8859_1))
        .contains("GEMINI_API_KEY")
        .doesNotContain("AIza");
    DeploymentKey onTheTaskManager =
        InstantiationUtil.deserializeObject(serialized, getClass().getClassLoader());
    assertThat(onTheTaskManager.resolve(Map.of("GEMINI_API_KEY", " " + SECRET + " ")))
        .contains(ApiKey.of(SECRET));
    assertThat(onTheTaskManager.resolve(Map.of("GEMINI_API_KEY", "  ")))
        .as("blank is none")
        .isEmpty();
    assertThat(onTheTaskManager.resolve(Map.of())).isEmpty();
    assertThat(named.toString()).isEqualTo("$GEMINI_API_KEY");
  }

  @Test
  void aVariableName_mustBeOne() {
    assertThatThrownBy(() -> DeploymentKey.fromEnvironment("GEMINI KEY"))
        .hasMessage(
            "GPILOT_DEPLOYMENT_KEY_ENV must name an environment variable, got 'GEMINI KEY'");
    assertThatThrownBy(() -> DeploymentKey.fromEnvironment("1KEY"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aKey_isNeverPrinted_onlyFingerprinted_andCannotBeBlank() {
    ApiKey key = ApiKey.of(SECRET);
    assertThat(key.toString()).doesNotContain(SECRET).matches("ApiKey\\[[0-9a-f]{12}]");
    assertThat(DeploymentKey.insecureInJobGraph(key).toString()).doesNotContain(SECRET);
    assertThat(key.fingerprint()).isNotEqualTo(ApiKey.of(SECRET + "2").fingerprint());
    assertThat(key.revealForProviderCall()).isEqualTo(SECRET);
    assertThat(DeploymentKey.insecureInJobGraph(key).resolve(Map.of())).contains(key);
    assertThatThrownBy(() -> ApiKey.of(" ")).hasMessage("an API key cannot be blank");
  }
}
