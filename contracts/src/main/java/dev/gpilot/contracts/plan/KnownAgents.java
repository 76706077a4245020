package dev.gpilot.contracts.plan;

import dev.gpilot.contracts.agents.AgentCatalog;
import java.util.Set;

/**
 * The agents a plan may name: those of the agent catalog ({@code GPILOT_AGENT_CATALOG}, or the
 * shipped fleet).
 */
public final class KnownAgents {
  /** The shipped fleet. */
  public static final Set<String> FLEET = Set.copyOf(AgentCatalog.shipped().names());

  /** The catalog in force for this process's environment. */
  public static Set<String> fromEnv() {
    return Set.copyOf(AgentCatalog.load(System.getenv()).names());
  }

  private KnownAgents() {}
}
