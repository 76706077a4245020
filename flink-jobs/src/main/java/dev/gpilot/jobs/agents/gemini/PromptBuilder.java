package dev.gpilot.jobs.agents.gemini;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.jobs.agents.StepRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the user turn of a step's model call (the agent's system instruction goes separately as
 * the call's system instruction):
 *
 * <pre>
 * Mission: &lt;the mission text&gt;
 *
 * Your step (&lt;stepId&gt;): &lt;action&gt;
 *
 * Parameters (JSON):
 * &lt;parameters&gt;
 *
 * Results of the steps this one builds on:
 * --- &lt;stepId&gt; ---
 * &lt;output: its "text" if that is all it has, else its JSON&gt;
 * </pre>
 *
 * Sections without content are left out; every part is bounded by {@link PromptLimits}.
 */
public final class PromptBuilder {
  private final PromptLimits limits;

  public PromptBuilder(PromptLimits limits) {
    this.limits = limits;
  }

  public String userPrompt(StepRequest request) {
    StringBuilder prompt = new StringBuilder();
    if (request.mission() != null && !request.mission().isBlank()) {
      prompt
          .append("Mission: ")
          .append(cut(request.mission().strip(), limits.missionChars()))
          .append("\n\n");
    }
    String action =
        request.action() == null || request.action().isBlank()
            ? "Do your part of the mission."
            : request.action().strip();
    prompt
        .append("Your step (")
        .append(request.stepId())
        .append("): ")
        .append(cut(action, limits.actionChars()))
        .append('\n');
    if (request.parameters() != null
        && !request.parameters().isNull()
        && !(request.parameters().isContainerNode() && request.parameters().isEmpty())) {
      prompt
          .append("\nParameters (JSON):\n")
          .append(cut(json(request.parameters()), limits.parametersChars()))
          .append('\n');
    }
    appendDependencies(prompt, request.dependencyOutputs());
    return prompt.toString();
  }

  private void appendDependencies(StringBuilder prompt, Map<String, JsonNode> outputs) {
    if (outputs.isEmpty()) {
      return;
    }
    prompt.append("\nResults of the steps this one builds on:\n");
    int left = limits.dependenciesChars();
    List<String> omitted = new ArrayList<>();
    for (Map.Entry<String, JsonNode> dependency : outputs.entrySet()) {
      if (left < 100) {
        omitted.add(dependency.getKey());
        continue;
      }
      String shown =
          cut(render(dependency.getValue()), Math.min(limits.perDependencyChars(), left));
      left -= shown.length();
      prompt.append("--- ").append(dependency.getKey()).append(" ---\n").append(shown).append('\n');
    }
    if (!omitted.isEmpty()) {
      prompt
          .append("[omitted over the prompt budget: the results of ")
          .append(String.join(", ", omitted))
          .append("]\n");
    }
  }

  /**
   * A dependency's output as the model reads it best: plain text when that is all there is, else
   * JSON.
   */
  static String render(JsonNode output) {
    if (output == null || output.isNull()) {
      return "(no output)";
    }
    if (output.isObject()
        && output.size() <= 2
        && output.path("text").isTextual()
        && (output.size() == 1 || output.has("simulated"))) {
      return output.get("text").asText();
    }
    return json(output);
  }

  /**
   * {@code text} if it fits in {@code max} characters, else its start and a note of how much was
   * cut.
   */
  static String cut(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int keep = Math.max(0, max - 80); // the note below is at most 60 characters
    if (keep > 0 && Character.isHighSurrogate(text.charAt(keep - 1))) {
      keep--; // never split a surrogate pair
    }
    return text.substring(0, keep)
        + "\n[… truncated: "
        + (text.length() - keep)
        + " of "
        + text.length()
        + " characters left out]";
  }

  private static String json(JsonNode node) {
    try {
      return Json.mapper().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      return node.toString();
    }
  }
}
