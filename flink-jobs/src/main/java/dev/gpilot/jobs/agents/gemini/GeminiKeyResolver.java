package dev.gpilot.jobs.agents.gemini;

import dev.gpilot.jobs.agents.AgentException;
import dev.gpilot.jobs.agents.StepRequest;

/**
 * Which Gemini key a call uses: the workspace's own key from the vault when it has one (decrypted
 * only in memory, for that call), else the deployment key ({@link DeploymentKey}, read on the task
 * manager).
 *
 * <p>Implementations are thread-safe; {@link #keyFor} is called for every model call, so it must be
 * fast (no network). They live on the task manager: made in an agent's constructor, closed with it.
 */
@FunctionalInterface
public interface GeminiKeyResolver extends AutoCloseable {

  /**
   * @param step the step attempt the call is for (audited with the key's use), may be null
   * @return the key to call Gemini with
   * @throws RuntimeException (not retriable for the step) when the workspace has no usable key
   */
  ApiKey keyFor(String workspaceId, StepRequest step);

  @Override
  default void close() {}

  /** Every workspace uses the deployment's key. */
  static GeminiKeyResolver deployment(ApiKey key) {
    return (workspaceId, step) -> key;
  }

  /** No key anywhere: every call fails (not retriable) saying {@code why}. */
  static GeminiKeyResolver none(String why) {
    return (workspaceId, step) -> {
      throw new AgentException(why, false);
    };
  }
}
