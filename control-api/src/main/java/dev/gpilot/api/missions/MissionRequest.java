package dev.gpilot.api.missions;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A validated {@code POST /api/v1/missions} body. Parsing is lenient in what it reads (any JSON) and strict in what
 * it accepts: every rejection is a 400 saying which field is wrong and why.
 *
 * @param requestHash SHA-256 of the canonical JSON of the request, to tell a retry from a different request
 */
public record MissionRequest(String mission, MissionConfig config, String requestHash) {
  public static final int MAX_BODY_BYTES = 256 * 1024;
  public static final int MAX_MISSION_CHARS = 100_000;
  public static final int MAX_EXPLICIT_AGENTS = 32;
  static final Pattern AGENT_NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");
  private static final Set<String> TOP_LEVEL = Set.of("mission", "config");
  private static final Set<String> CONFIG_FIELDS = Set.of("explicitAgents");

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
    JsonNode root;
    try {
      root = Json.mapper().readTree(bytes);
    } catch (JsonParseException e) {
      throw ApiException.badRequest("the request body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("the request body is not valid JSON: " + e.getMessage());
    }
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
    ObjectNode canonical = Json.mapper().createObjectNode();
    canonical.put("mission", mission);
    canonical.set("config", Json.mapper().valueToTree(config));
    return new MissionRequest(mission, config, sha256(canonical.toString()));
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
    return MissionConfig.ofAgents(explicitAgents);
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

  static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
