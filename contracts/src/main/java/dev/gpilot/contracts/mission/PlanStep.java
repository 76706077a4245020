package dev.gpilot.contracts.mission;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * One step of a plan: an agent doing an action once the steps it depends on are done.
 *
 * @param id unique within the plan
 * @param agent the agent that runs it, by catalog name
 * @param action what the agent is asked to do
 * @param parameters free JSON given to the agent, may be null
 * @param dependsOn ids of steps that must finish first; never null
 * @param condition an expression deciding whether the step runs, may be null
 * @param timeoutSeconds per-attempt timeout, may be null for the default
 * @param maxAttempts attempts including the first, may be null for the default
 */
public record PlanStep(
    String id,
    String agent,
    String action,
    JsonNode parameters,
    List<String> dependsOn,
    String condition,
    Integer timeoutSeconds,
    Integer maxAttempts) {

  public PlanStep {
    Objects.requireNonNull(id, "step id is required");
    Objects.requireNonNull(agent, "step agent is required");
    action = action == null ? "" : action;
    dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
  }
}
