package dev.gpilot.api.missions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.http.RequestBodies;
import dev.gpilot.contracts.Sha256;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.plans.PlanValidator;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A validated {@code POST /api/v1/missions/{id}/rerun} body: {@code {"model"?, "fromStep"?}}; an
 * empty body is {@code {}} (every step runs again, each on its agent's own model). Malformed input
 * is a 400 naming the field; whether the model has a price and the step is in the plan is decided
 * against the original ({@link MissionForks}).
 *
 * @param model the model to run the steps that run again on; null: each agent's own
 * @param fromStep the step to run again from; null: every step runs again
 */
public record RerunRequest(String model, String fromStep) {
  public static final int MAX_BODY_BYTES = 4 * 1024;

  /**
   * A model name as the price table's patterns match it: {@code gemini-2.5-pro}, {@code
   * gemini-2.5-flash-001}.
   */
  static final Pattern MODEL = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");

  private static final Set<String> FIELDS = Set.of("model", "fromStep");

  /** Reads and validates a body of at most {@link #MAX_BODY_BYTES}. */
  public static RerunRequest read(InputStream body) {
    byte[] bytes = RequestBodies.read(body, MAX_BODY_BYTES);
    if (new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
      return new RerunRequest(null, null);
    }
    return of(MissionRequest.readJson(bytes, 0, bytes.length, "the request body"));
  }

  /**
   * The fingerprint of this request for a fork of {@code original}, to tell a retry from a
   * different request under the same Idempotency-Key ({@link #fingerprint(String, String,
   * String)}).
   */
  public String fingerprint(String original) {
    return fingerprint(original, model, fromStep);
  }

  /**
   * SHA-256 of the canonical JSON of a rerun request ({@code {"rerunOf", "model"?, "fromStep"?}}):
   * the same for the request and for the fork it became (its {@code mission.accepted} carries
   * {@code rerunOf}, {@code rerunModel} and {@code rerunFromStep}), and never a submission's
   * fingerprint (whose JSON has other fields), so one key used for a submission and a rerun is a
   * key used for two requests.
   */
  public static String fingerprint(String original, String model, String fromStep) {
    ObjectNode canonical = Json.mapper().createObjectNode();
    canonical.put("rerunOf", original);
    if (model != null) {
      canonical.put("model", model);
    }
    if (fromStep != null) {
      canonical.put("fromStep", fromStep);
    }
    return Sha256.hex(canonical.toString());
  }

  static RerunRequest of(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw ApiException.badRequest("the request body must be a JSON object");
    }
    rejectUnknown(root, FIELDS, "");
    return new RerunRequest(
        text(root, "model", MODEL), text(root, "fromStep", PlanValidator.STEP_ID));
  }

  private static String text(JsonNode root, String field, Pattern pattern) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw ApiException.badRequest("'" + field + "' must be a string, got " + kind(node));
    }
    if (!pattern.matcher(node.textValue()).matches()) {
      throw ApiException.badRequest("'" + field + "' must match " + pattern.pattern());
    }
    return node.textValue();
  }

  private static void rejectUnknown(JsonNode object, Set<String> known, String prefix) {
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!known.contains(field)) {
        throw ApiException.badRequest("unknown field '" + prefix + field + "'");
      }
    }
  }

  private static String kind(JsonNode node) {
    return node.getNodeType().name().toLowerCase();
  }
}
