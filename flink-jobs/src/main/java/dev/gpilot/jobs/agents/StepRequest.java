package dev.gpilot.jobs.agents;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;

/**
 * One attempt of one step, handed by the scheduler to the agent executor.
 *
 * @param mission the mission's text, for the agent's prompt
 * @param parameters the step's parameters, may be null
 * @param dependencyOutputs the outputs of the steps this one depends on, by step id; never null
 * @param timeoutMs how long this attempt may take; the scheduler fails it after that
 * @param requestedAt epoch milliseconds when the scheduler dispatched it
 */
public record StepRequest(
    String missionId,
    String workspaceId,
    String stepId,
    int attempt,
    String agent,
    String action,
    JsonNode parameters,
    String mission,
    Map<String, JsonNode> dependencyOutputs,
    long timeoutMs,
    long requestedAt) {

  public StepRequest {
    Objects.requireNonNull(missionId, "missionId");
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(stepId, "stepId");
    Objects.requireNonNull(agent, "agent");
    dependencyOutputs = dependencyOutputs == null ? Map.of() : Map.copyOf(dependencyOutputs);
  }

  /** The attempt's stable id, {@code missionId/stepId/attempt}: a re-run after a restore keeps it. */
  public String attemptId() {
    return missionId + "/" + stepId + "/" + attempt;
  }
}
