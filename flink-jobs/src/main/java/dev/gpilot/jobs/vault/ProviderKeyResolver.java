package dev.gpilot.jobs.vault;

/**
 * Finds the API key a model or provider call must use: the workspace's own key from the vault, or
 * the deployment's key when the workspace has none. The seam between agents and the vault; an agent
 * calls it right before each call, keeps the key only for that call, and never logs it.
 *
 * <p>Implementations are thread-safe and cheap per call (no network: the vault is materialized in
 * memory; the key is decrypted in memory on each call). Made in an operator's {@code open()},
 * closed in its {@code close()}.
 */
public interface ProviderKeyResolver extends AutoCloseable {

  /**
   * The key for one call. Every key that comes from the vault is audited ({@code
   * vault.secret.decrypt}).
   *
   * @throws dev.gpilot.contracts.vault.VaultException when the workspace has a key that does not
   *     open (tampered, wrong master key): the call must fail, never fall back to the deployment
   *     key
   * @throws IllegalStateException when the workspace has no key and there is no deployment key
   *     either
   */
  ResolvedKey keyFor(KeyRequest request);

  /** The Gemini key for a workspace, outside any step (no mission in the audit event). */
  default ResolvedKey keyFor(String workspaceId) {
    return keyFor(KeyRequest.of(workspaceId, dev.gpilot.contracts.vault.SecretNames.GEMINI));
  }

  @Override
  default void close() {}
}
