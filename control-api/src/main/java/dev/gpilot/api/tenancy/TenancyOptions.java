package dev.gpilot.api.tenancy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The control plane's configuration, checked when built.
 *
 * @param keyHashSecretFile the deployment's key-hash secret ({@link KeyHasher}); every instance
 *     reads the same
 * @param transactionalId the Kafka transactional id every instance writes the control plane under
 * @param usageFlushInterval how often an instance writes its keys' {@code lastUsedAt} (coalesced)
 */
public record TenancyOptions(
    Path keyHashSecretFile, String transactionalId, Duration usageFlushInterval) {
  public TenancyOptions {
    Objects.requireNonNull(
        keyHashSecretFile, "set GPILOT_KEY_HASH_SECRET to the key-hash secret's file");
    Objects.requireNonNull(transactionalId, "GPILOT_CONTROL_PLANE_TRANSACTIONAL_ID");
    if (usageFlushInterval.compareTo(Duration.ofMillis(100)) < 0) {
      throw new IllegalArgumentException(
          "GPILOT_KEY_USAGE_FLUSH_MS must be at least 100, got " + usageFlushInterval.toMillis());
    }
  }

  /**
   * Reads {@code GPILOT_KEY_HASH_SECRET} (default {@code $GPILOT_HOME/auth/key-hash-secret}),
   * {@code GPILOT_CONTROL_PLANE_TRANSACTIONAL_ID} (default {@code gpilot-control-plane-writer}) and
   * {@code GPILOT_KEY_USAGE_FLUSH_MS} (default 60000).
   */
  public static TenancyOptions fromEnv(Map<String, String> env) {
    String home = env.getOrDefault("GPILOT_HOME", ".gpilot");
    return new TenancyOptions(
        Path.of(env.getOrDefault("GPILOT_KEY_HASH_SECRET", home + "/auth/key-hash-secret")),
        env.getOrDefault("GPILOT_CONTROL_PLANE_TRANSACTIONAL_ID", "gpilot-control-plane-writer"),
        Duration.ofMillis(Long.parseLong(env.getOrDefault("GPILOT_KEY_USAGE_FLUSH_MS", "60000"))));
  }

  /** Defaults with the key-hash secret at {@code file}. */
  public static TenancyOptions of(Path file) {
    return new TenancyOptions(file, "gpilot-control-plane-writer", Duration.ofSeconds(60));
  }

  public TenancyOptions withUsageFlushInterval(Duration interval) {
    return new TenancyOptions(keyHashSecretFile, transactionalId, interval);
  }
}
