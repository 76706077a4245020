package dev.gpilot.jobs.agents.gemini;

import java.io.Serializable;

/**
 * Which Gemini key a workspace's calls use. The deployment key ({@code GEMINI_API_KEY}) for every workspace today;
 * the vault will resolve a workspace's own key (BYOK) through this seam, decrypting it only in memory.
 *
 * <p>Implementations are serializable (they travel in the job graph) and thread-safe; {@link #keyFor} may be called
 * for every model call, so it must be fast (cache what is slow).
 */
@FunctionalInterface
public interface ApiKeyResolver extends Serializable {

  /**
   * @return the key to call Gemini with for this workspace
   * @throws dev.gpilot.jobs.agents.AgentException (not retriable) when the workspace has no usable key
   */
  ApiKey keyFor(String workspaceId);

  /** Every workspace uses the deployment's key. */
  static ApiKeyResolver deployment(ApiKey key) {
    return workspaceId -> key;
  }
}
