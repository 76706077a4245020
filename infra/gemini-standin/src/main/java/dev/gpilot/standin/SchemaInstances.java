package dev.gpilot.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes a deterministic instance of a response schema: the same schema and prompt always give the
 * same JSON. Understands JSON Schema ({@code responseJsonSchema}) and Gemini's OpenAPI-style {@code
 * responseSchema} (upper case types): object, array, string, integer, number, boolean, enum, const,
 * anyOf/oneOf, local {@code $ref}s, minimum/maximum and minItems/maxItems.
 *
 * <p>A plan schema (an object whose {@code steps} items have {@code agent} and {@code dependsOn})
 * gets a valid plan over the agents the schema's {@code agent} enum allows (else those named on a
 * prompt line {@code Allowed agents: a, b}): the first step first, the middle ones in parallel
 * after it, the last after them.
 */
final class SchemaInstances {
  private static final Pattern ALLOWED = Pattern.compile("(?im)^\\s*allowed agents\\s*:\\s*(.+)$");
  private static final Pattern AGENT_NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");
  private static final int MAX_PLAN_STEPS = 6;

  private final ObjectMapper mapper;
  private final JsonNode root;
  private final String prompt;
  private final String mission;
  private final int seed;

  SchemaInstances(ObjectMapper mapper, JsonNode root, String prompt, String mission) {
    this.mapper = mapper;
    this.root = root;
    this.prompt = prompt;
    this.mission = mission;
    this.seed = prompt.hashCode() & 0x7fffffff;
  }

  JsonNode instance() {
    if (isPlan(root)) {
      return plan(root);
    }
    return generate(root, "value", 0, 0);
  }

  private JsonNode generate(JsonNode schema, String name, int index, int depth) {
    schema = resolve(schema);
    if (depth > 12 || schema == null || !schema.isObject()) {
      return mapper.createObjectNode();
    }
    if (schema.has("const")) {
      return schema.get("const");
    }
    JsonNode enumValues = schema.get("enum");
    if (enumValues != null && enumValues.isArray() && !enumValues.isEmpty()) {
      return enumValues.get(index % enumValues.size());
    }
    for (String alt : List.of("anyOf", "oneOf")) {
      JsonNode alternatives = schema.get(alt);
      if (alternatives != null && alternatives.isArray() && !alternatives.isEmpty()) {
        for (JsonNode option : alternatives) {
          if (!"null".equals(type(resolve(option)))) {
            return generate(option, name, index, depth + 1);
          }
        }
        return generate(alternatives.get(0), name, index, depth + 1);
      }
    }
    String type = type(schema);
    switch (type) {
      case "object" -> {
        ObjectNode object = mapper.createObjectNode();
        JsonNode properties = schema.get("properties");
        if (properties != null) {
          for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> property = it.next();
            object.set(
                property.getKey(),
                generate(property.getValue(), property.getKey(), index, depth + 1));
          }
        }
        return object;
      }
      case "array" -> {
        ArrayNode array = mapper.createArrayNode();
        int min = schema.path("minItems").asInt(0);
        int max = schema.has("maxItems") ? schema.get("maxItems").asInt() : Integer.MAX_VALUE;
        int count = Math.min(Math.max(2, min), max);
        String itemName = name.endsWith("s") ? name.substring(0, name.length() - 1) : name;
        for (int i = 0; i < count; i++) {
          array.add(generate(schema.get("items"), itemName, i, depth + 1));
        }
        return array;
      }
      case "integer", "number" -> {
        long min = schema.has("minimum") ? (long) Math.ceil(schema.get("minimum").asDouble()) : 0;
        long max =
            schema.has("maximum") ? (long) Math.floor(schema.get("maximum").asDouble()) : min + 100;
        long span = Math.max(1, max - min + 1);
        return mapper.getNodeFactory().numberNode(min + Math.floorMod(seed + index * 7919L, span));
      }
      case "boolean" -> {
        return mapper.getNodeFactory().booleanNode(true);
      }
      case "null" -> {
        return mapper.getNodeFactory().nullNode();
      }
      case "string" -> {
        return mapper.getNodeFactory().textNode(sentence(name, index));
      }
      default -> {
        return mapper.createObjectNode();
      }
    }
  }

  private String sentence(String name, int index) {
    String subject = mission.isBlank() ? "the task" : abbreviate(mission, 60);
    return switch (name) {
      case "issue" ->
          List.of(
                      "Add a meta description",
                      "Use the main keyword in the title",
                      "Add alt text to images",
                      "Link related pages")
                  .get(index % 4)
              + " for "
              + subject
              + ".";
      case "finding" -> "Finding " + (index + 1) + " on " + subject + ".";
      default -> "Simulated " + name + " " + (index + 1) + " for " + subject + ".";
    };
  }

  private static boolean isPlan(JsonNode schema) {
    JsonNode items = schema.path("properties").path("steps").path("items").path("properties");
    return items.has("agent") && items.has("dependsOn") && items.has("id");
  }

  private JsonNode plan(JsonNode schema) {
    JsonNode stepProps = schema.path("properties").path("steps").path("items").path("properties");
    List<String> agents = allowedAgents(stepProps.path("agent"));
    if (agents.size() > MAX_PLAN_STEPS) {
      agents = agents.subList(0, MAX_PLAN_STEPS);
    }
    ObjectNode plan = mapper.createObjectNode();
    ArrayNode steps = plan.putArray("steps");
    int n = agents.size();
    for (int i = 0; i < n; i++) {
      ObjectNode step = steps.addObject();
      step.put("id", "s" + (i + 1));
      step.put("agent", agents.get(i));
      if (stepProps.has("action")) {
        step.put("action", actionFor(agents.get(i), i, n));
      }
      ArrayNode deps = step.putArray("dependsOn");
      if (i > 0 && (i < n - 1 || n <= 2)) {
        deps.add("s1"); // the middle steps run in parallel after the first
      } else if (i > 0) {
        for (int j = 2; j <= n - 1; j++) {
          deps.add("s" + j); // the last step waits for all the middle ones
        }
      }
    }
    return plan;
  }

  private String actionFor(String agent, int i, int n) {
    String subject = mission.isBlank() ? "the mission" : "\"" + abbreviate(mission, 80) + "\"";
    if (i == 0) {
      return "Lay the groundwork for " + subject + " (" + agent + ")";
    }
    if (i == n - 1) {
      return "Check and finish " + subject + " (" + agent + ")";
    }
    return "Work on part " + i + " of " + subject + " (" + agent + ")";
  }

  private List<String> allowedAgents(JsonNode agentSchema) {
    List<String> agents = new ArrayList<>();
    JsonNode enumValues = resolve(agentSchema).path("enum");
    if (enumValues.isArray()) {
      enumValues.forEach(v -> agents.add(v.asText()));
    }
    if (agents.isEmpty()) {
      Matcher m = ALLOWED.matcher(prompt);
      if (m.find()) {
        for (String name : m.group(1).split("[,\\s]+")) {
          if (AGENT_NAME.matcher(name).matches()) {
            agents.add(name);
          }
        }
      }
    }
    if (agents.isEmpty()) {
      agents.add("genesis-architect");
    }
    return agents;
  }

  private JsonNode resolve(JsonNode schema) {
    for (int hops = 0; schema != null && schema.has("$ref") && hops < 8; hops++) {
      String ref = schema.get("$ref").asText();
      if (!ref.startsWith("#")) {
        return mapper.createObjectNode();
      }
      schema = root.at(ref.substring(1));
      if (schema.isMissingNode()) {
        return mapper.createObjectNode();
      }
    }
    return schema;
  }

  private static String type(JsonNode schema) {
    JsonNode type = schema.get("type");
    if (type != null && type.isArray() && !type.isEmpty()) {
      for (JsonNode t : type) {
        if (!"null".equalsIgnoreCase(t.asText())) {
          return t.asText().toLowerCase(Locale.ROOT);
        }
      }
    }
    if (type != null && type.isTextual()) {
      return type.asText().toLowerCase(Locale.ROOT);
    }
    return schema.has("properties") ? "object" : schema.has("items") ? "array" : "any";
  }

  static String abbreviate(String text, int max) {
    String oneLine = text.strip().replaceAll("\\s+", " ");
    return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 1) + "…";
  }
}
