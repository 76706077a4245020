package dev.gpilot.jobs.agents.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.gpilot.contracts.agents.AgentCatalog;
import dev.gpilot.contracts.agents.AgentDefinition;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.jobs.agents.Agent;
import dev.gpilot.jobs.agents.AgentException;
import dev.gpilot.jobs.agents.AgentReply;
import dev.gpilot.jobs.agents.DeltaListener;
import dev.gpilot.jobs.agents.ModelCharge;
import dev.gpilot.jobs.agents.StepRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The Mission Overseer: asks Gemini (agent {@value AgentCatalog#OVERSEER} of the catalog) for a
 * mission's plan as structured JSON. The response schema is the plan contract ({@code
 * schemas/plan.v1.schema.json}) with the step's {@code agent} restricted to the allowed agents; the
 * answer is checked against the full contract, with a step's {@code action} and {@code dependsOn}
 * required (a bad answer gets the one repair turn of {@link GeminiCaller#askJson}), decoded into a
 * {@link Plan}, and refused (not retriable, no repair) if a step names an agent that is not
 * allowed. Dependencies, cycles and ids are for the scheduler's plan validation, exactly as for an
 * explicit plan.
 *
 * <p>As an {@link Agent}: a step of {@value AgentCatalog#OVERSEER} plans {@link
 * StepRequest#mission()}; its parameters may name the allowed agents ({@code {"allowedAgents":
 * ["agent-scout", ...]}}, e.g. the mission's {@code config.explicitAgents}); without them, every
 * catalog agent but the overseer. Its output is the plan's JSON.
 */
public final class MissionOverseer implements Agent {
  private static final JsonCodec<Plan> PLAN = JsonCodec.of(Plan.class);

  /**
   * What the model must answer: the plan contract with each step's {@code action} and {@code
   * dependsOn} required. A request may leave them out (the contract's defaults: no action, no
   * dependencies); a planner must say both, and an answer without them gets the repair turn.
   */
  private static final JsonNode CONTRACT = answerContract(loadContract());

  private static final JsonSchema VALIDATOR =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(CONTRACT);

  private final GeminiCaller caller;
  private final AgentCatalog catalog;
  private final GeminiKeyResolver keys;
  private final PromptLimits limits;

  MissionOverseer(
      GeminiCaller caller, AgentCatalog catalog, GeminiKeyResolver keys, PromptLimits limits) {
    this.caller = caller;
    this.catalog = catalog;
    this.keys = keys;
    this.limits = limits;
  }

  /** A plan and what asking for it cost. */
  public record Proposal(Plan plan, JsonNode json, ModelCharge charge) {}

  /**
   * Plans a mission.
   *
   * @param allowedAgents the agents the plan may use; empty for every catalog agent but the
   *     overseer
   * @param step the attempt this runs for (streamed deltas), may be null
   * @return the plan, or a future failed with {@link AgentException}
   */
  public CompletableFuture<Proposal> plan(
      String workspaceId, String mission, List<String> allowedAgents, StepRequest step) {
    return plan(workspaceId, mission, allowedAgents, step, DeltaListener.NONE);
  }

  /** Plans a mission, the model's text streamed to {@code deltas} as it comes. */
  public CompletableFuture<Proposal> plan(
      String workspaceId,
      String mission,
      List<String> allowedAgents,
      StepRequest step,
      DeltaListener deltas) {
    try {
      AgentDefinition overseer =
          catalog
              .find(AgentCatalog.OVERSEER)
              .orElseThrow(
                  () ->
                      new AgentException(
                          "the agent catalog has no " + AgentCatalog.OVERSEER + " to plan with",
                          false));
      List<String> allowed = allowed(allowedAgents);
      ApiKey key = keys.keyFor(workspaceId, step);
      return caller
          .askJson(
              key,
              overseer,
              prompt(mission, allowed),
              modelSchema(allowed),
              VALIDATOR,
              step,
              deltas)
          .thenApply(
              answer -> {
                Plan plan;
                try {
                  plan = PLAN.decode(answer.value().toString());
                } catch (CodecException e) {
                  throw new AgentException(
                      "the model's plan is not a valid plan: " + e.getMessage(),
                      false,
                      answer.charge(),
                      e);
                }
                for (PlanStep s : plan.steps()) {
                  if (!allowed.contains(s.agent())) {
                    throw new AgentException(
                        "invalid plan: step '"
                            + s.id()
                            + "' uses agent '"
                            + s.agent()
                            + "', which is not one of the allowed agents "
                            + allowed,
                        false,
                        answer.charge(),
                        null);
                  }
                }
                return new Proposal(plan, Json.mapper().valueToTree(plan), answer.charge());
              });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<AgentReply> call(StepRequest request, DeltaListener deltas) {
    List<String> allowed = new ArrayList<>();
    JsonNode names =
        request.parameters() == null ? null : request.parameters().get("allowedAgents");
    if (names != null && names.isArray()) {
      names.forEach(n -> allowed.add(n.asText()));
    }
    return plan(
            request.workspaceId(),
            Objects.requireNonNullElse(request.mission(), ""),
            allowed,
            request,
            deltas)
        .thenApply(proposal -> new AgentReply(proposal.json(), proposal.charge()));
  }

  private List<String> allowed(List<String> requested) {
    if (requested == null || requested.isEmpty()) {
      return catalog.plannable();
    }
    List<String> allowed = new ArrayList<>(new LinkedHashSet<>(requested));
    List<String> unknown =
        allowed.stream()
            .filter(a -> !catalog.contains(a) || a.equals(AgentCatalog.OVERSEER))
            .toList();
    if (!unknown.isEmpty()) {
      throw new AgentException(
          "cannot plan with "
              + unknown
              + ": not agents of the catalog that a plan may use ("
              + catalog.plannable()
              + ")",
          false);
    }
    return allowed;
  }

  /**
   * The user turn: the mission, the allowed agents (one line, then what each does) and the answer's
   * shape.
   */
  String prompt(String mission, List<String> allowed) {
    StringBuilder prompt = new StringBuilder();
    prompt
        .append("Mission: ")
        .append(PromptBuilder.cut(mission.strip(), limits.missionChars()))
        .append("\n\n");
    prompt.append("Allowed agents: ").append(String.join(", ", allowed)).append('\n');
    for (String name : allowed) {
      prompt
          .append("- ")
          .append(name)
          .append(": ")
          .append(catalog.get(name).description())
          .append('\n');
    }
    prompt.append(
        "\nAnswer with the plan as JSON: {\"steps\": [{\"id\": \"s1\", \"agent\": \"<allowed agent>\","
            + " \"action\": \"<what this agent must deliver>\", \"dependsOn\": [<ids of earlier steps it needs>]}]}.\n");
    return prompt.toString();
  }

  /**
   * The response schema sent to Gemini: the plan contract with {@code agent} an enum of the allowed
   * agents, and without what Gemini's schema subset may refuse ({@code $schema}, {@code $id},
   * {@code pattern}, {@code uniqueItems}, the free-form {@code parameters}). The answer is still
   * checked against the full contract.
   */
  static JsonNode modelSchema(List<String> allowed) {
    ObjectNode schema = CONTRACT.deepCopy();
    schema.remove(List.of("$schema", "$id", "title"));
    ObjectNode stepProperties = (ObjectNode) schema.at("/properties/steps/items/properties");
    stepProperties.remove("parameters");
    ObjectNode agent = Json.mapper().createObjectNode().put("type", "string");
    ArrayNode values = agent.putArray("enum");
    allowed.forEach(values::add);
    stepProperties.set("agent", agent);
    ((ObjectNode) stepProperties.get("id")).remove("pattern");
    ((ObjectNode) stepProperties.get("dependsOn")).remove("uniqueItems");
    return schema;
  }

  private static JsonNode answerContract(JsonNode contract) {
    ObjectNode answer = contract.deepCopy();
    ArrayNode required = ((ObjectNode) answer.at("/properties/steps/items")).putArray("required");
    List.of("id", "agent", "action", "dependsOn").forEach(required::add);
    return answer;
  }

  private static JsonNode loadContract() {
    try (InputStream in =
        MissionOverseer.class.getClassLoader().getResourceAsStream("schemas/plan.v1.schema.json")) {
      if (in == null) {
        throw new IllegalStateException("schemas/plan.v1.schema.json is not on the classpath");
      }
      return Json.mapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
