package dev.gpilot.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.contracts.vault.VaultException;
import dev.gpilot.contracts.vault.VaultKeyOptions;
import dev.gpilot.contracts.vault.VaultRecord;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the vault is told from outside: where its master key is, and stored secrets that may be
 * damaged.
 */
class VaultInputsTest {
  @Test
  void masterKeyLocation_defaultsToTheLocalKeysetUnderTheHome_andAKmsUriWins() {
    assertThat(VaultKeyOptions.fromEnv(Map.of()))
        .isEqualTo(new VaultKeyOptions(null, ".gpilot/vault/master-keyset.json"));
    assertThat(VaultKeyOptions.fromEnv(Map.of("GPILOT_HOME", "/srv/gpilot")).localKeyset())
        .isEqualTo("/srv/gpilot/vault/master-keyset.json");
    assertThat(
            VaultKeyOptions.fromEnv(Map.of("GPILOT_VAULT_MASTER_KEYSET", "/keys/k.json"))
                .localKeyset())
        .isEqualTo("/keys/k.json");
    VaultKeyOptions kms =
        VaultKeyOptions.fromEnv(Map.of("GPILOT_VAULT_KMS_KEY_URI", " gcp-kms://projects/p/k "));
    assertThat(kms.kmsKeyUri()).isEqualTo("gcp-kms://projects/p/k");
    assertThat(VaultKeyOptions.fromEnv(Map.of("GPILOT_VAULT_KMS_KEY_URI", "  ")).kmsKeyUri())
        .as("blank is unset")
        .isNull();
  }

  @Test
  void masterKeyLocation_withNeither_saysWhatToSet() {
    assertThatThrownBy(() -> new VaultKeyOptions(" ", " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "set GPILOT_VAULT_KMS_KEY_URI to a KMS key URI, or GPILOT_VAULT_MASTER_KEYSET to a local keyset"
                + " file");
  }

  @Test
  void aStoredSecretThatIsNotBase64_isUnreadable_notACrash() {
    WorkspaceKeys keys = WorkspaceKeys.generate(1);
    byte[] sealed = keys.seal("ws-1", "gemini", "AIza-value".getBytes(StandardCharsets.UTF_8));
    VaultRecord.SealedSecret good =
        new VaultRecord.SealedSecret(
            "gemini",
            Base64.getEncoder().encodeToString(sealed),
            keys.primaryKeyId(),
            1,
            "fp",
            1,
            "alice",
            1,
            "alice");
    assertThat(new String(keys.open("ws-1", good), StandardCharsets.UTF_8)).isEqualTo("AIza-value");

    VaultRecord.SealedSecret damaged =
        new VaultRecord.SealedSecret(
            "gemini", "%%not base64%%", keys.primaryKeyId(), 1, "fp", 1, "alice", 1, "alice");
    assertThatThrownBy(() -> keys.open("ws-1", damaged))
        .isInstanceOfSatisfying(
            VaultException.class,
            e -> assertThat(e.reason()).isEqualTo(VaultException.Reason.SECRET_UNREADABLE))
        .hasMessage("secret 'gemini' of workspace 'ws-1' does not open: not base64");
  }

  @Test
  void workspaceKeys_showNoKeyMaterialWhenPrinted() {
    WorkspaceKeys keys = WorkspaceKeys.generate(1).rotate(2);
    assertThat(keys.toString())
        .isEqualTo("WorkspaceKeys{version=" + keys.keyVersion() + ", keys=2}");
  }
}
