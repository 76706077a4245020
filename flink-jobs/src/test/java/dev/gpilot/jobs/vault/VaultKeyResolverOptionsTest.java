package dev.gpilot.jobs.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.contracts.vault.VaultKeyOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where the job finds workspace keys, from its environment; the key itself is never among the
 * options.
 */
class VaultKeyResolverOptionsTest {
  @Test
  void theEnvironment_namesTheBrokersTheMasterKeyAndTheDeploymentKeysVariable() {
    VaultKeyResolverOptions options =
        VaultKeyResolverOptions.fromEnv(
            Map.of(
                "KAFKA_BOOTSTRAP_SERVERS",
                "k1:9092",
                "GPILOT_HOME",
                "/srv/g",
                "GPILOT_DEPLOYMENT_KEY_ENV",
                "ACME_KEY",
                "ACME_KEY",
                "AIza-secret"));
    assertThat(options.bootstrapServers()).isEqualTo("k1:9092");
    assertThat(options.keys())
        .isEqualTo(VaultKeyOptions.localKeyset("/srv/g/vault/master-keyset.json"));
    assertThat(options.deploymentKeyEnv()).isEqualTo("ACME_KEY");
    assertThat(options.toString()).doesNotContain("AIza-secret");
    assertThat(
            VaultKeyResolverOptions.fromEnv(Map.of("KAFKA_BOOTSTRAP_SERVERS", "k1:9092"))
                .deploymentKeyEnv())
        .isEqualTo("GEMINI_API_KEY");
  }

  @Test
  void withoutBrokers_itSaysWhatToSet() {
    assertThatThrownBy(() -> VaultKeyResolverOptions.fromEnv(Map.of()))
        .hasMessage("set KAFKA_BOOTSTRAP_SERVERS to the Kafka brokers, host:port");
  }
}
