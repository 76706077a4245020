package dev.gpilot.jobs.agents;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
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
 * @param model the model to run the attempt on instead of the agent's own (a fork's, {@code
 *     rerun.model}); null for the agent's own. Absent in requests checkpointed before forks
 *     existed, which read it as null.
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
    long requestedAt,
    String model) {

  public StepRequest {
    Objects.requireNonNull(missionId, "missionId");
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(stepId, "stepId");
    Objects.requireNonNull(agent, "agent");
    // Insertion order is the plan's order of the dependencies, which the prompt keeps.
    dependencyOutputs =
        dependencyOutputs == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(dependencyOutputs));
  }

  /**
   * An attempt on the agent's own model with no dependency outputs and no timeout of its own
   * (tests, benchmarks).
   */
  public StepRequest(
      String missionId,
      String workspaceId,
      String stepId,
      int attempt,
      String agent,
      String action,
      JsonNode parameters,
      String mission,
      long requestedAt) {
    this(
        missionId,
        workspaceId,
        stepId,
        attempt,
        agent,
        action,
        parameters,
        mission,
        requestedAt,
        Map.of());
  }

  /**
   * An attempt on the agent's own model with dependency outputs and no timeout of its own (tests,
   * benchmarks).
   */
  public StepRequest(
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
    this(
        missionId,
        workspaceId,
        stepId,
        attempt,
        agent,
        action,
        parameters,
        mission,
        dependencyOutputs,
        0,
        requestedAt,
        null);
  }

  /**
   * The attempt's stable id, {@code missionId/stepId/attempt}: a re-run after a restore keeps it.
   */
  public String attemptId() {
    return missionId + "/" + stepId + "/" + attempt;
  }
}
