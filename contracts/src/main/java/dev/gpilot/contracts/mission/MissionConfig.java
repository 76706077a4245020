package dev.gpilot.contracts.mission;

import java.util.List;

/**
 * How a mission is to be run.
 *
 * @param explicitAgents the agents to plan with, in order; empty means the planner chooses
 */
public record MissionConfig(List<String> explicitAgents) {
  public static final MissionConfig DEFAULT = new MissionConfig(List.of());

  public MissionConfig {
    explicitAgents = explicitAgents == null ? List.of() : List.copyOf(explicitAgents);
  }
}
