package dev.gpilot.jobs.agents;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A successful step attempt: its output and, when a model ran it, what that used and cost.
 *
 * @param output the step's output, never null
 * @param charge the model usage and cost, null when no model was called
 */
public record AgentReply(JsonNode output, ModelCharge charge) {
  public AgentReply {
    Objects.requireNonNull(output, "output");
  }

  /** An output that cost nothing (no model call). */
  public static AgentReply of(JsonNode output) {
    return new AgentReply(output, null);
  }
}
