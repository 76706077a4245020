package dev.gpilot.contracts.agents;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One agent of the catalog: what it is for, which model runs it and how it is prompted.
 *
 * @param name the agent's name, {@code ^[a-z][a-z0-9-]{0,63}$}, unique in its catalog
 * @param description one sentence for people and for the planner's prompt
 * @param model the Gemini model name, e.g. {@code gemini-2.5-flash}; its price must be in the price
 *     table
 * @param systemInstruction the system instruction sent with every call of this agent
 * @param outputSchema the JSON Schema of the agent's structured output, or null for free text
 *     (output {@code {"text": "..."}})
 * @param maxOutputTokens the output budget of one call, 1..65536
 * @param temperature sampling temperature, 0..2
 */
public record AgentDefinition(
    String name,
    String description,
    String model,
    String systemInstruction,
    JsonNode outputSchema,
    int maxOutputTokens,
    double temperature) {

  /** Agent names: the same rule as plan steps and mission configs. */
  public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");

  public AgentDefinition {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("agent name '" + name + "' must match " + NAME.pattern());
    }
    if (description == null || description.isBlank()) {
      throw new IllegalArgumentException("agent '" + name + "' needs a description");
    }
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("agent '" + name + "' needs a model");
    }
    if (systemInstruction == null || systemInstruction.isBlank()) {
      throw new IllegalArgumentException("agent '" + name + "' needs a systemInstruction");
    }
    if (outputSchema != null && !outputSchema.isNull() && !outputSchema.isObject()) {
      throw new IllegalArgumentException(
          "agent '" + name + "': outputSchema must be a JSON Schema object");
    }
    if (outputSchema != null && outputSchema.isNull()) {
      outputSchema = null;
    }
    if (maxOutputTokens < 1 || maxOutputTokens > 65_536) {
      throw new IllegalArgumentException(
          "agent '" + name + "': maxOutputTokens must be 1..65536, got " + maxOutputTokens);
    }
    if (!(temperature >= 0 && temperature <= 2)) {
      throw new IllegalArgumentException(
          "agent '" + name + "': temperature must be 0..2, got " + temperature);
    }
    Objects.requireNonNull(model);
  }

  /** Whether the agent answers with JSON of {@link #outputSchema()}. */
  public boolean structured() {
    return outputSchema != null;
  }
}
