package dev.gpilot.contracts.vault;

import java.io.Serializable;
import java.util.Map;

/**
 * Where the vault's master key (the key-encryption key, KEK) is: a KMS key through Tink's KMS
 * integration in production, or a local Tink keyset file for development. Serializable so the job
 * can carry it to its tasks; it holds locations only, never key material.
 *
 * @param kmsKeyUri a KMS key URI ({@code gcp-kms://...}, {@code aws-kms://...}); when set, it is
 *     the master key and {@code localKeyset} is ignored. The KMS client must be registered with
 *     Tink's {@code KmsClients} (SPEC.md §10)
 * @param localKeyset the local keyset file (JSON, mode 0600), used when no KMS URI is set
 */
public record VaultKeyOptions(String kmsKeyUri, String localKeyset) implements Serializable {
  private static final long serialVersionUID = 1L;

  public VaultKeyOptions {
    kmsKeyUri = kmsKeyUri == null || kmsKeyUri.isBlank() ? null : kmsKeyUri.strip();
    if (kmsKeyUri == null && (localKeyset == null || localKeyset.isBlank())) {
      throw new IllegalArgumentException(
          "set GPILOT_VAULT_KMS_KEY_URI to a KMS key URI, or GPILOT_VAULT_MASTER_KEYSET to a local keyset file");
    }
  }

  /**
   * Reads {@code GPILOT_VAULT_KMS_KEY_URI} and {@code GPILOT_VAULT_MASTER_KEYSET} (default {@code
   * $GPILOT_HOME/vault/master-keyset.json}, {@code GPILOT_HOME} defaulting to {@code .gpilot}).
   */
  public static VaultKeyOptions fromEnv(Map<String, String> env) {
    String home = env.getOrDefault("GPILOT_HOME", ".gpilot");
    return new VaultKeyOptions(
        env.get("GPILOT_VAULT_KMS_KEY_URI"),
        env.getOrDefault("GPILOT_VAULT_MASTER_KEYSET", home + "/vault/master-keyset.json"));
  }

  public static VaultKeyOptions localKeyset(String file) {
    return new VaultKeyOptions(null, file);
  }

  public static VaultKeyOptions kms(String keyUri) {
    return new VaultKeyOptions(keyUri, null);
  }
}
