package dev.gpilot.api.missions;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request contract of {@code POST /api/v1/missions}, {@code
 * schemas/mission-request.v1.schema.json} in {@code contracts} (with the {@code mission-config.v1}
 * and {@code plan.v1} it refers to), compiled once when the class loads. It is the one statement of
 * the shape rules: {@link MissionRequest} checks only what a schema cannot say.
 *
 * <p>Thread-safe: the compiled schema is immutable once its validators are initialised, which
 * happens here, eagerly, so the first request pays nothing and no two requests race to build it.
 * Checking costs one walk over the request tree (a {@code maxLength} and a {@code \S} search over
 * the mission text, linear in the body's at most 256 KiB).
 */
final class MissionRequestSchema {
  private static final Logger LOG = LoggerFactory.getLogger(MissionRequestSchema.class);
  static final String ID = "https://gpilot.dev/schemas/mission-request.v1.schema.json";

  /**
   * The plan contract's value bounds: a plan that breaks one cannot run (section 6's 422), it is
   * not malformed.
   */
  private static final Set<String> PLAN_BOUNDS =
      Set.of("pattern", "minimum", "maximum", "minItems", "maxItems", "uniqueItems");

  private static final String PLAN = "config.plan";
  private static final JsonSchema SCHEMA = load();

  private MissionRequestSchema() {}

  /**
   * One broken rule.
   *
   * @param field where, as a client names it ({@code config.plan.steps[0].id}); empty for the body
   *     itself
   * @param keyword the schema keyword broken ({@code required}, {@code type}, {@code enum}, ...)
   * @param detail what is wrong, naming the field
   */
  record Violation(String field, String keyword, String detail) {
    /** True for a bound of the plan contract: {@code 422 invalid-plan} rather than {@code 400}. */
    boolean planBound() {
      return PLAN_BOUNDS.contains(keyword) && (field.equals(PLAN) || field.startsWith(PLAN + "."));
    }
  }

  /**
   * Every rule {@code body} breaks, in schema order; empty when it conforms. Never throws for any
   * JSON.
   */
  static List<Violation> violations(JsonNode body) {
    List<Violation> violations = new ArrayList<>();
    // A literal beyond a double's range (1e400) reads as an infinite number, which JSON cannot
    // write back and on which
    // the validator's enum check throws: refused first, by where it is.
    nonFinite(body, new StringBuilder(), violations);
    if (!violations.isEmpty()) {
      return violations;
    }
    Set<ValidationMessage> messages;
    try {
      messages = SCHEMA.validate(body);
    } catch (RuntimeException e) {
      // A defect of the validator must not become a 500 for a client's body: refused, with what was
      // found.
      LOG.warn("the request schema could not check a body: {}", e.toString());
      return List.of(
          new Violation("", "unreadable", "the request body cannot be checked: " + e.getMessage()));
    }
    for (ValidationMessage message : messages) {
      violations.add(violation(message));
    }
    return violations;
  }

  private static void nonFinite(JsonNode node, StringBuilder at, List<Violation> violations) {
    if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
      String field = at.toString();
      violations.add(new Violation(field, "number", name(field) + " is a number out of range"));
    } else if (node.isContainerNode()) {
      int length = at.length();
      if (node.isArray()) {
        for (int i = 0; i < node.size(); i++) {
          nonFinite(node.get(i), at.append('[').append(i).append(']'), violations);
          at.setLength(length);
        }
      } else {
        for (var fields = node.fields(); fields.hasNext(); ) {
          var entry = fields.next();
          nonFinite(
              entry.getValue(),
              at.append(length == 0 ? "" : ".").append(entry.getKey()),
              violations);
          at.setLength(length);
        }
      }
    }
  }

  private static Violation violation(ValidationMessage message) {
    String at = field(message.getInstanceLocation());
    String keyword = message.getType();
    String detail =
        switch (keyword) {
          case "required" -> "'" + child(at, message.getProperty()) + "' is required";
          case "additionalProperties" -> "unknown field '" + child(at, message.getProperty()) + "'";
          case "type" ->
              at.isEmpty()
                  ? "the request body must be a JSON object, got " + message.getArguments()[0]
                  : name(at)
                      + " must be "
                      + article(message.getArguments()[1])
                      + ", got "
                      + message.getArguments()[0];
          case "pattern" ->
              "\\S".equals(message.getSchemaNode().asText())
                  ? name(at) + " must not be blank"
                  : name(at) + " must match " + message.getSchemaNode().asText();
          case "enum" -> name(at) + " must be one of " + message.getSchemaNode();
          default -> name(at) + " " + message.getError();
        };
    return new Violation(at, keyword, detail);
  }

  /**
   * The location as a client names it: {@code config.plan.steps[0].id}; empty for the body itself.
   */
  private static String field(JsonNodePath location) {
    StringBuilder field = new StringBuilder();
    for (int i = 0; i < location.getNameCount(); i++) {
      Object element = location.getElement(i);
      if (element instanceof Integer index) {
        field.append('[').append(index).append(']');
      } else {
        field.append(field.length() == 0 ? "" : ".").append(element);
      }
    }
    return field.toString();
  }

  private static String child(String parent, String property) {
    return parent.isEmpty() ? property : parent + "." + property;
  }

  private static String name(String field) {
    return field.isEmpty() ? "the request" : "'" + field + "'";
  }

  private static String article(Object type) {
    String t = String.valueOf(type);
    return (t.startsWith("a") || t.startsWith("i") || t.startsWith("o") ? "an " : "a ") + t;
  }

  private static JsonSchema load() {
    JsonSchemaFactory factory =
        JsonSchemaFactory.getInstance(
            SpecVersion.VersionFlag.V202012,
            builder ->
                builder.schemaMappers(
                    m -> m.mapPrefix("https://gpilot.dev/schemas/", "classpath:schemas/")));
    // English whatever the JVM's default locale: the validator ships translated messages, a problem
    // detail is English.
    SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().locale(Locale.ENGLISH).build();
    JsonSchema schema = factory.getSchema(SchemaLocation.of(ID), config);
    schema.initializeValidators();
    return schema;
  }
}
