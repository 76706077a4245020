package dev.gpilot.api.missions;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.Sha256;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.Execution;
import dev.gpilot.contracts.mission.FailurePolicy;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.plan.KnownAgents;
import dev.gpilot.contracts.plan.PlanValidator;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A validated {@code POST /api/v1/missions} body. Parsing is lenient in what it reads (any JSON) and strict in what
 * it accepts: every rejection is a 400 saying which field is wrong and why.
 */
public record MissionRequest(String mission, MissionConfig config) {
  public static final int MAX_BODY_BYTES = 256 * 1024;
  public static final int MAX_MISSION_CHARS = 100_000;
  public static final int MAX_EXPLICIT_AGENTS = 32;
  public static final int MAX_DEADLINE_SECONDS = 7 * 24 * 3600;
  static final Set<String> PLANNERS = Set.of("deterministic", "overseer");
  static final Pattern AGENT_NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");
  private static final Set<String> TOP_LEVEL = Set.of("mission", "config");
  private static final Set<String> CONFIG_FIELDS =
      Set.of("explicitAgents", "plan", "execution", "params", "deadlineSeconds", "failurePolicy", "planner",
          "budgetWaitSeconds");
  private static final Set<String> STEP_FIELDS =
      Set.of("id", "agent", "action", "parameters", "dependsOn", "condition", "timeoutSeconds", "maxAttempts");
  private static final Set<String> KNOWN_AGENTS = KnownAgents.fromEnv();
  private static final PlanValidator VALIDATOR = new PlanValidator(KNOWN_AGENTS);

  /** Reads and validates a body of at most {@link #MAX_BODY_BYTES}. */
  public static MissionRequest read(InputStream body) {
    byte[] bytes;
    try {
      bytes = body.readNBytes(MAX_BODY_BYTES + 1);
    } catch (IOException e) {
      throw ApiException.badRequest("could not read the request body: " + e.getMessage());
    }
    if (bytes.length > MAX_BODY_BYTES) {
      throw ApiException.badRequest("the request body is over " + (MAX_BODY_BYTES / 1024) + " KiB");
    }
    return parse(bytes);
  }

  static MissionRequest parse(byte[] bytes) {
    if (bytes.length == 0) {
      throw ApiException.badRequest("the request body is empty; send a JSON object with a 'mission'");
    }
    return of(readJson(bytes, 0, bytes.length, "the request body"));
  }

  /**
   * Reads JSON leniently into a tree: anything that is not JSON is a 400 naming {@code what} was read.
   *
   * @param what the subject of the error, e.g. "the request body"
   */
  static JsonNode readJson(byte[] bytes, int offset, int length, String what) {
    try {
      return Json.mapper().readTree(bytes, offset, length);
    } catch (JsonParseException e) {
      throw ApiException.badRequest(what + " is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest(what + " is not valid JSON: " + e.getMessage());
    }
  }

  /**
   * Validates a request already read as JSON: the one rule set for {@code POST /api/v1/missions} and for each line of
   * {@code POST /api/v1/missions/batch}.
   *
   * @throws ApiException 400 for a malformed request, 422 for a plan or agents that cannot run
   */
  static MissionRequest of(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw ApiException.badRequest("the request body must be a JSON object");
    }
    rejectUnknown(root, TOP_LEVEL, "");

    JsonNode missionNode = root.get("mission");
    if (missionNode == null || missionNode.isNull()) {
      throw ApiException.badRequest("'mission' is required");
    }
    if (!missionNode.isTextual()) {
      throw ApiException.badRequest("'mission' must be a string, got " + kind(missionNode));
    }
    String mission = missionNode.textValue().strip();
    if (mission.isEmpty()) {
      throw ApiException.badRequest("'mission' must not be empty");
    }
    if (mission.length() > MAX_MISSION_CHARS) {
      throw ApiException.badRequest("'mission' is longer than " + MAX_MISSION_CHARS + " characters");
    }

    MissionConfig config = parseConfig(root.get("config"));
    return new MissionRequest(mission, config);
  }

  /**
   * The request's {@linkplain #fingerprint fingerprint}, to tell a retry from a different request under the same
   * idempotency key. Computed on each call: only requests with a key need it.
   */
  public String requestHash() {
    return fingerprint(mission, config);
  }

  /**
   * SHA-256 of the canonical JSON of a request: the same for a request and for the mission it became (the
   * {@code mission.accepted} event carries both fields as submitted), so a retry can be told from a different
   * request by what is stored, whichever version of the API stored it.
   */
  public static String fingerprint(String mission, MissionConfig config) {
    ObjectNode canonical = Json.mapper().createObjectNode();
    canonical.put("mission", mission);
    canonical.set("config", Json.mapper().valueToTree(config));
    return Sha256.hex(canonical.toString());
  }

  private static MissionConfig parseConfig(JsonNode config) {
    if (config == null || config.isNull()) {
      return MissionConfig.DEFAULT;
    }
    if (!config.isObject()) {
      throw ApiException.badRequest("'config' must be an object, got " + kind(config));
    }
    rejectUnknown(config, CONFIG_FIELDS, "config.");
    JsonNode agents = config.get("explicitAgents");
    List<String> explicitAgents = new ArrayList<>();
    if (agents != null && !agents.isNull()) {
      if (!agents.isArray()) {
        throw ApiException.badRequest("'config.explicitAgents' must be an array of agent names, got " + kind(agents));
      }
      if (agents.size() > MAX_EXPLICIT_AGENTS) {
        throw ApiException.badRequest("'config.explicitAgents' has more than " + MAX_EXPLICIT_AGENTS + " agents");
      }
      for (int i = 0; i < agents.size(); i++) {
        JsonNode agent = agents.get(i);
        if (!agent.isTextual() || !AGENT_NAME.matcher(agent.textValue()).matches()) {
          throw ApiException.badRequest(
              "'config.explicitAgents[" + i + "]' must be an agent name matching " + AGENT_NAME.pattern());
        }
        explicitAgents.add(agent.textValue());
      }
    }
    Plan plan = parsePlan(config.get("plan"));
    Execution execution = parseEnum(config.get("execution"), "config.execution", Map.of(
        "parallel", Execution.PARALLEL, "sequential", Execution.SEQUENTIAL));
    FailurePolicy policy = parseEnum(config.get("failurePolicy"), "config.failurePolicy", Map.of(
        "fail-fast", FailurePolicy.FAIL_FAST, "continue", FailurePolicy.CONTINUE));
    JsonNode params = config.get("params");
    if (params != null && !params.isNull() && !params.isObject()) {
      throw ApiException.badRequest("'config.params' must be an object, got " + kind(params));
    }
    Integer deadline = null;
    JsonNode deadlineNode = config.get("deadlineSeconds");
    if (deadlineNode != null && !deadlineNode.isNull()) {
      if (!deadlineNode.isIntegralNumber() || !deadlineNode.canConvertToInt() || deadlineNode.intValue() < 1
          || deadlineNode.intValue() > MAX_DEADLINE_SECONDS) {
        throw ApiException.badRequest(
            "'config.deadlineSeconds' must be an integer from 1 to " + MAX_DEADLINE_SECONDS);
      }
      deadline = deadlineNode.intValue();
    }
    Integer budgetWait = null;
    JsonNode budgetWaitNode = config.get("budgetWaitSeconds");
    if (budgetWaitNode != null && !budgetWaitNode.isNull()) {
      if (!budgetWaitNode.isIntegralNumber() || !budgetWaitNode.canConvertToInt() || budgetWaitNode.intValue() < 0
          || budgetWaitNode.intValue() > MAX_DEADLINE_SECONDS) {
        throw ApiException.badRequest(
            "'config.budgetWaitSeconds' must be an integer from 0 to " + MAX_DEADLINE_SECONDS);
      }
      budgetWait = budgetWaitNode.intValue();
    }
    String planner = null;
    JsonNode plannerNode = config.get("planner");
    if (plannerNode != null && !plannerNode.isNull()) {
      if (!plannerNode.isTextual() || !PLANNERS.contains(plannerNode.textValue())) {
        throw ApiException.badRequest("'config.planner' must be one of " + new TreeSet<>(PLANNERS));
      }
      planner = plannerNode.textValue();
    }
    if (plan != null && !explicitAgents.isEmpty()) {
      throw ApiException.badRequest("give either 'config.plan' or 'config.explicitAgents', not both");
    }
    requireKnown(explicitAgents);
    return new MissionConfig(explicitAgents, plan, execution, params == null || params.isNull() ? null : params,
        deadline, policy, planner, budgetWait);
  }

  /** Reads an explicit plan: shape errors are 400, a plan that cannot run (cycle, unknown agent, ...) is 422. */
  private static Plan parsePlan(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw ApiException.badRequest("'config.plan' must be an object with 'steps', got " + kind(node));
    }
    rejectUnknown(node, Set.of("steps"), "config.plan.");
    JsonNode steps = node.get("steps");
    if (steps == null || !steps.isArray()) {
      throw ApiException.badRequest("'config.plan.steps' must be an array of steps");
    }
    List<PlanStep> parsed = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      String at = "config.plan.steps[" + i + "]";
      JsonNode step = steps.get(i);
      if (!step.isObject()) {
        throw ApiException.badRequest("'" + at + "' must be an object");
      }
      rejectUnknown(step, STEP_FIELDS, at + ".");
      List<String> dependsOn = new ArrayList<>();
      JsonNode deps = step.get("dependsOn");
      if (deps != null && !deps.isNull()) {
        if (!deps.isArray()) {
          throw ApiException.badRequest("'" + at + ".dependsOn' must be an array of step ids");
        }
        for (JsonNode dep : deps) {
          if (!dep.isTextual()) {
            throw ApiException.badRequest("'" + at + ".dependsOn' must be an array of step ids");
          }
          dependsOn.add(dep.textValue());
        }
      }
      parsed.add(new PlanStep(
          requiredText(step, "id", at), requiredText(step, "agent", at), optionalText(step, "action", at),
          step.get("parameters"), dependsOn, optionalText(step, "condition", at),
          optionalInt(step, "timeoutSeconds", at), optionalInt(step, "maxAttempts", at)));
    }
    Plan plan = new Plan(parsed);
    try {
      VALIDATOR.validate(plan);
    } catch (PlanValidator.InvalidPlanException e) {
      throw ApiException.unprocessable("invalid-plan", e.getMessage());
    }
    return plan;
  }

  /** An agent the catalog does not have cannot run, in a plan or in explicitAgents alike: 422 for both. */
  private static void requireKnown(List<String> explicitAgents) {
    for (int i = 0; i < explicitAgents.size(); i++) {
      if (!KNOWN_AGENTS.contains(explicitAgents.get(i))) {
        throw ApiException.unprocessable("invalid-plan", "'config.explicitAgents[" + i + "]' names unknown agent '"
            + explicitAgents.get(i) + "'; known agents: " + String.join(", ", new TreeSet<>(KNOWN_AGENTS)));
      }
    }
  }

  private static String requiredText(JsonNode object, String field, String at) {
    JsonNode value = object.get(field);
    if (value == null || !value.isTextual() || value.textValue().isBlank()) {
      throw ApiException.badRequest("'" + at + "." + field + "' is required and must be a non-empty string");
    }
    return value.textValue();
  }

  private static String optionalText(JsonNode object, String field, String at) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw ApiException.badRequest("'" + at + "." + field + "' must be a string");
    }
    return value.textValue();
  }

  private static Integer optionalInt(JsonNode object, String field, String at) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      throw ApiException.badRequest("'" + at + "." + field + "' must be an integer");
    }
    return value.intValue();
  }

  private static <E> E parseEnum(JsonNode node, String field, Map<String, E> values) {
    if (node == null || node.isNull()) {
      return null;
    }
    E value = node.isTextual() ? values.get(node.textValue()) : null;
    if (value == null) {
      throw ApiException.badRequest("'" + field + "' must be one of " + new TreeSet<>(values.keySet()));
    }
    return value;
  }

  static void rejectUnknown(JsonNode object, Set<String> known, String prefix) {
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!known.contains(field)) {
        throw ApiException.badRequest("unknown field '" + prefix + field + "'");
      }
    }
  }

  static String kind(JsonNode node) {
    return node.getNodeType().name().toLowerCase();
  }

}
