package dev.gpilot.api.missions;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.http.RequestBodies;
import dev.gpilot.contracts.Sha256;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.plan.KnownAgents;
import dev.gpilot.plans.PlanValidator;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A validated {@code POST /api/v1/missions} body. Parsing is lenient in what it reads (any JSON)
 * and strict in what it accepts: every rejection is a 400 (or 422 for a plan or agents that cannot
 * run) saying which field is wrong and why. The rules are {@code mission-request.v1.schema.json}'s,
 * plus what a schema cannot say ({@link #of}).
 */
public record MissionRequest(String mission, MissionConfig config) {
  public static final int MAX_BODY_BYTES = 256 * 1024;
  private static final int MAX_DETAILS = 10;
  private static final Set<String> KNOWN_AGENTS = KnownAgents.fromEnv();
  private static final PlanValidator VALIDATOR = new PlanValidator(KNOWN_AGENTS);
  // Resolved once: treeToValue looks the type's deserializer up on every call (a batch has 1,000).
  private static final ObjectReader CONFIG = Json.mapper().readerFor(MissionConfig.class);

  /** Reads and validates a body of at most {@link #MAX_BODY_BYTES}. */
  public static MissionRequest read(InputStream body) {
    return parse(RequestBodies.read(body, MAX_BODY_BYTES));
  }

  static MissionRequest parse(byte[] bytes) {
    if (bytes.length == 0) {
      throw ApiException.badRequest(
          "the request body is empty; send a JSON object with a 'mission'");
    }
    return of(readJson(bytes, 0, bytes.length, "the request body"));
  }

  /**
   * Reads JSON leniently into a tree: anything that is not JSON is a 400 naming {@code what} was
   * read.
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
   * Validates a request already read as JSON: the one rule set for {@code POST /api/v1/missions}
   * and for each line of {@code POST /api/v1/missions/batch}. The shape is {@code
   * mission-request.v1.schema.json}'s ({@link MissionRequestSchema}); what a schema cannot say is
   * checked here, after it: a plan together with explicit agents (400), then the plan's validation
   * and the catalog (422).
   *
   * @throws ApiException 400 for a malformed request (the detail names every offending field), 422
   *     for a plan or agents that cannot run
   */
  static MissionRequest of(JsonNode root) {
    if (root == null || root.isMissingNode()) {
      throw ApiException.badRequest("the request body must be a JSON object");
    }
    List<MissionRequestSchema.Violation> violations = MissionRequestSchema.violations(root);
    List<MissionRequestSchema.Violation> malformed =
        violations.isEmpty()
            ? violations
            : violations.stream().filter(v -> !v.planBound()).toList();
    if (!malformed.isEmpty()) {
      throw ApiException.badRequest(details(malformed));
    }
    JsonNode configNode = root.get("config");
    if (configNode != null
        && configNode.has("plan")
        && !configNode.path("explicitAgents").isEmpty()) {
      throw ApiException.badRequest(
          "give either 'config.plan' or 'config.explicitAgents', not both");
    }
    if (!violations.isEmpty()) {
      // Only bounds of the plan contract are left: a plan that cannot run (section 6), answered
      // before the plan is
      // read, since a value past a bound (a timeout of 10^10 s) need not even fit the record.
      throw ApiException.unprocessable("invalid-plan", details(violations));
    }
    MissionConfig config;
    try {
      config = configNode == null ? MissionConfig.DEFAULT : CONFIG.readValue(configNode);
    } catch (IOException | IllegalArgumentException e) {
      // Not reached for a body the schema accepts; kept so that no body can ever be a 500.
      throw ApiException.badRequest("'config' cannot be read: " + e.getMessage());
    }
    if (config.plan() != null) {
      try {
        VALIDATOR.validate(config.plan());
      } catch (PlanValidator.InvalidPlanException e) {
        throw ApiException.unprocessable("invalid-plan", e.getMessage());
      }
    }
    requireKnown(config.explicitAgents());
    return new MissionRequest(root.get("mission").textValue().strip(), config);
  }

  /**
   * The first {@link #MAX_DETAILS} violations, and how many more: a 256 KiB body can break a rule
   * 60,000 times.
   */
  private static String details(List<MissionRequestSchema.Violation> violations) {
    String shown =
        violations.stream()
            .limit(MAX_DETAILS)
            .map(MissionRequestSchema.Violation::detail)
            .collect(Collectors.joining("; "));
    return violations.size() <= MAX_DETAILS
        ? shown
        : shown + "; and " + (violations.size() - MAX_DETAILS) + " more";
  }

  /**
   * The request's {@linkplain #fingerprint fingerprint}, to tell a retry from a different request
   * under the same idempotency key. Computed on each call: only requests with a key need it.
   */
  public String requestHash() {
    return fingerprint(mission, config);
  }

  /**
   * SHA-256 of the canonical JSON of a request: the same for a request and for the mission it
   * became (the {@code mission.accepted} event carries both fields as submitted), so a retry can be
   * told from a different request by what is stored, whichever version of the API stored it.
   */
  public static String fingerprint(String mission, MissionConfig config) {
    ObjectNode canonical = Json.mapper().createObjectNode();
    canonical.put("mission", mission);
    canonical.set("config", Json.mapper().valueToTree(config));
    return Sha256.hex(canonical.toString());
  }

  /**
   * An agent the catalog does not have cannot run, in a plan or in explicitAgents alike: 422 for
   * both.
   */
  private static void requireKnown(List<String> explicitAgents) {
    for (int i = 0; i < explicitAgents.size(); i++) {
      if (!KNOWN_AGENTS.contains(explicitAgents.get(i))) {
        throw ApiException.unprocessable(
            "invalid-plan",
            "'config.explicitAgents["
                + i
                + "]' names unknown agent '"
                + explicitAgents.get(i)
                + "'; known agents: "
                + String.join(", ", new TreeSet<>(KNOWN_AGENTS)));
      }
    }
  }
}
