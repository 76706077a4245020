package dev.gpilot.jobs.vault;

import dev.gpilot.contracts.vault.SecretNames;
import dev.gpilot.jobs.agents.StepRequest;
import java.util.Objects;

/**
 * What a key is for: whose, which provider (a vault secret name, e.g. {@code gemini}) and, for the
 * audit trail, which step attempt uses it (null / 0 outside a step).
 */
public record KeyRequest(
    String workspaceId, String secretName, String missionId, String stepId, int attempt) {
  public KeyRequest {
    Objects.requireNonNull(workspaceId, "workspaceId");
    SecretNames.require(secretName);
  }

  public static KeyRequest of(String workspaceId, String secretName) {
    return new KeyRequest(workspaceId, secretName, null, null, 0);
  }

  /** The key for a step attempt's call to a provider. */
  public static KeyRequest forStep(StepRequest step, String secretName) {
    return new KeyRequest(
        step.workspaceId(), secretName, step.missionId(), step.stepId(), step.attempt());
  }
}
