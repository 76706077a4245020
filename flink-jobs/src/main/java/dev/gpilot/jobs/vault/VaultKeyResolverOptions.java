package dev.gpilot.jobs.vault;

import dev.gpilot.contracts.vault.VaultKeyOptions;
import dev.gpilot.vault.MasterKeyProvider;
import java.io.Serializable;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * How the job finds workspace keys; serializable, so an operator carries it to its tasks and calls
 * {@link #open()} there. It holds locations and names only: the deployment key is read from the
 * task manager's environment when opened, so it never travels in the job graph.
 *
 * @param bootstrapServers the Kafka cluster holding {@code gpilot.vault.v1} and {@code
 *     gpilot.audit.v1}
 * @param keys the master key, the same as the API's
 * @param deploymentKeyEnv the environment variable holding the deployment's Gemini key (fallback)
 */
public record VaultKeyResolverOptions(
    String bootstrapServers, VaultKeyOptions keys, String deploymentKeyEnv)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public VaultKeyResolverOptions {
    Objects.requireNonNull(
        bootstrapServers, "set KAFKA_BOOTSTRAP_SERVERS to the Kafka brokers, host:port");
    Objects.requireNonNull(keys, "vault master key options are required");
    Objects.requireNonNull(deploymentKeyEnv, "deploymentKeyEnv");
  }

  /**
   * {@code KAFKA_BOOTSTRAP_SERVERS}, the master key variables of {@link VaultKeyOptions#fromEnv}
   * and {@code GPILOT_DEPLOYMENT_KEY_ENV} (the name of the deployment key's variable, default
   * {@code GEMINI_API_KEY}).
   */
  public static VaultKeyResolverOptions fromEnv(Map<String, String> env) {
    return new VaultKeyResolverOptions(
        env.get("KAFKA_BOOTSTRAP_SERVERS"),
        VaultKeyOptions.fromEnv(env),
        env.getOrDefault("GPILOT_DEPLOYMENT_KEY_ENV", "GEMINI_API_KEY"));
  }

  /**
   * A resolver for this task: shares the JVM's {@link VaultReader}; close it in the operator's
   * close().
   */
  public ProviderKeyResolver open() {
    return open(System.getenv(deploymentKeyEnv));
  }

  /**
   * Like {@link #open()}, with the deployment key given (the agent's configured key) instead of
   * read from env.
   */
  public ProviderKeyResolver open(String deploymentKey) {
    return new VaultKeyResolver(
        VaultReader.acquire(bootstrapServers),
        true,
        new MasterKeyProvider(keys, false),
        deploymentKey,
        AuditSink.kafka(bootstrapServers),
        Clock.systemUTC());
  }
}
