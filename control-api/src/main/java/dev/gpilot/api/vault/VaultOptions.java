package dev.gpilot.api.vault;

import dev.gpilot.contracts.vault.VaultKeyOptions;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The API's vault configuration, checked when built.
 *
 * @param keys where the master key is
 * @param transactionalId the Kafka transactional id every API instance of a deployment writes the
 *     vault under; a writer that starts fences the others, which is what makes concurrent writes
 *     from several instances safe
 * @param maxSecrets most secrets one workspace may hold
 * @param maxValueBytes longest secret value, UTF-8 bytes
 * @param rotationInterval least time between two rotations of a workspace's keys
 * @param writeTimeout how long a write may wait for Kafka before the API answers 503
 */
public record VaultOptions(
    VaultKeyOptions keys,
    String transactionalId,
    int maxSecrets,
    int maxValueBytes,
    Duration rotationInterval,
    Duration writeTimeout) {

  public VaultOptions {
    Objects.requireNonNull(keys, "vault master key options are required");
    Objects.requireNonNull(transactionalId, "GPILOT_VAULT_TRANSACTIONAL_ID");
    if (maxSecrets < 1 || maxValueBytes < 1) {
      throw new IllegalArgumentException("maxSecrets and maxValueBytes must be >= 1");
    }
    if (rotationInterval.isNegative() || writeTimeout.isNegative() || writeTimeout.isZero()) {
      throw new IllegalArgumentException("rotationInterval must be >= 0 and writeTimeout > 0");
    }
  }

  /**
   * Reads {@code GPILOT_VAULT_KMS_KEY_URI}, {@code GPILOT_VAULT_MASTER_KEYSET} (see {@link
   * VaultKeyOptions}) and {@code GPILOT_VAULT_TRANSACTIONAL_ID} (default {@code
   * gpilot-vault-writer}).
   */
  public static VaultOptions fromEnv(Map<String, String> env) {
    return new VaultOptions(
        VaultKeyOptions.fromEnv(env),
        env.getOrDefault("GPILOT_VAULT_TRANSACTIONAL_ID", "gpilot-vault-writer"),
        1000,
        4096,
        Duration.ofHours(1),
        Duration.ofSeconds(30));
  }

  /** Defaults with a local master keyset file. */
  public static VaultOptions localKeyset(String keysetFile) {
    return new VaultOptions(
        VaultKeyOptions.localKeyset(keysetFile),
        "gpilot-vault-writer",
        1000,
        4096,
        Duration.ofHours(1),
        Duration.ofSeconds(30));
  }

  public VaultOptions withTransactionalId(String id) {
    return new VaultOptions(keys, id, maxSecrets, maxValueBytes, rotationInterval, writeTimeout);
  }

  public VaultOptions withRotationInterval(Duration interval) {
    return new VaultOptions(
        keys, transactionalId, maxSecrets, maxValueBytes, interval, writeTimeout);
  }
}
