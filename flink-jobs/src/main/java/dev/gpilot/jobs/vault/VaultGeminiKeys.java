package dev.gpilot.jobs.vault;

import dev.gpilot.contracts.vault.SecretNames;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.agents.gemini.ApiKey;
import dev.gpilot.jobs.agents.gemini.GeminiKeyResolver;

/**
 * The Gemini agents' keys from the vault: a workspace's {@code gemini} secret, decrypted in memory
 * for each call (and audited), or the deployment key when the workspace has none. A key replaced or
 * rotated in the vault is used from the next call on, without a restart.
 */
public final class VaultGeminiKeys implements GeminiKeyResolver {
  private final ProviderKeyResolver vault;

  public VaultGeminiKeys(ProviderKeyResolver vault) {
    this.vault = vault;
  }

  @Override
  public ApiKey keyFor(String workspaceId, StepRequest step) {
    KeyRequest request =
        step != null
            ? KeyRequest.forStep(step, SecretNames.GEMINI)
            : KeyRequest.of(workspaceId, SecretNames.GEMINI);
    return ApiKey.of(vault.keyFor(request).revealForUse());
  }

  @Override
  public void close() {
    vault.close();
  }
}
