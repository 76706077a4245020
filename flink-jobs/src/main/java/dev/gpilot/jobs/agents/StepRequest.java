package dev.gpilot.jobs.agents;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;

/**
 * One attempt of one step, handed by the scheduler to the agent executor.
 *
 * @param mission the mission's text, for the agent's prompt
 * @param parameters the step's parameters, may be null
 * @param requestedAt epoch milliseconds when the scheduler dispatched it
 * @param dependencyOutputs the outputs of the steps this one depends on, by step id (in the plan's order); never
 *     null. The agent puts them in its prompt, bounded in size (SPEC.md, "Agents, usage and cost").
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
    long requestedAt,
    Map<String, JsonNode> dependencyOutputs) {

  public StepRequest {
    Objects.requireNonNull(missionId, "missionId");
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(stepId, "stepId");
    Objects.requireNonNull(agent, "agent");
    dependencyOutputs = dependencyOutputs == null ? Map.of() : java.util.Collections.unmodifiableMap(
        new java.util.LinkedHashMap<>(dependencyOutputs));
  }

  /** A request without dependency outputs. */
  public StepRequest(String missionId, String workspaceId, String stepId, int attempt, String agent, String action,
      JsonNode parameters, String mission, long requestedAt) {
    this(missionId, workspaceId, stepId, attempt, agent, action, parameters, mission, requestedAt, null);
  }

  /** The attempt's stable id, {@code missionId/stepId/attempt}: a re-run after a restore keeps it. */
  public String attemptId() {
    return missionId + "/" + stepId + "/" + attempt;
  }
}
