package dev.gpilot.contracts.plan;

import java.util.Set;

/** The agents of the shipped fleet; a plan naming any other agent is rejected. */
public final class KnownAgents {
  public static final Set<String> FLEET = Set.of(
      "mission-overseer", "genesis-architect", "agent-scout", "content-orchestrator", "seo-analyst",
      "independent-verifier", "ui-auditor");

  private KnownAgents() {}
}
