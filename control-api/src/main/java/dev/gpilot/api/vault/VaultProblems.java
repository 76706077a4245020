package dev.gpilot.api.vault;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.vault.VaultException;

/**
 * Maps the vault's crypto failures to problems; details name the secret and the cause, never a
 * value.
 */
final class VaultProblems {
  private VaultProblems() {}

  static ApiException of(VaultException e) {
    return switch (e.reason()) {
      case SECRET_UNREADABLE ->
          ApiException.conflict(
              "secret-unreadable",
              e.getMessage() + "; delete or set that secret again, then retry");
      case KEYSET_UNREADABLE ->
          new ApiException(500, "vault-unreadable", "Vault unreadable", e.getMessage());
      case MASTER_KEY_UNAVAILABLE ->
          ApiException.unavailable("the vault's master key is unavailable: " + e.getMessage());
    };
  }
}
