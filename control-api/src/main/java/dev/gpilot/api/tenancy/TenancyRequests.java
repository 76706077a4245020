package dev.gpilot.api.tenancy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.tenancy.Role;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * Parses the small JSON bodies of the workspace, key and member endpoints: strict fields, clear
 * 400s.
 */
final class TenancyRequests {
  static final int MAX_BODY_BYTES = 16 * 1024;
  static final int MAX_NAME_CHARS = 100;

  private TenancyRequests() {}

  record NewWorkspace(String name, String workspaceId) {}

  record NewKey(String name, Role role, Long expiresAt) {}

  record NewMember(String email, Role role) {}

  record Transfer(String email) {}

  static Transfer transfer(InputStream body) {
    return new Transfer(email(object(body, Set.of("email"))));
  }

  /**
   * @param expiresAt epoch ms, null for the default (7 days)
   */
  record NewInvitation(String email, Role role, Long expiresAt) {}

  static NewInvitation invitation(InputStream body) {
    JsonNode json = object(body, Set.of("email", "role", "expiresAt"));
    return new NewInvitation(email(json), role(json), expiresAt(json.get("expiresAt")));
  }

  private static String email(JsonNode json) {
    try {
      return dev.gpilot.contracts.tenancy.MemberRecord.normalizeEmail(requiredText(json, "email"));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("'email' must be an email address");
    }
  }

  static NewWorkspace workspace(InputStream body) {
    JsonNode json = object(body, Set.of("name", "workspaceId"));
    String name = name(json);
    String id = optionalText(json, "workspaceId");
    return new NewWorkspace(name, id);
  }

  static NewKey key(InputStream body) {
    JsonNode json = object(body, Set.of("name", "role", "expiresAt"));
    return new NewKey(name(json), role(json), expiresAt(json.get("expiresAt")));
  }

  static NewMember member(InputStream body) {
    JsonNode json = object(body, Set.of("email", "role"));
    return new NewMember(email(json), role(json));
  }

  static JsonNode object(InputStream body, Set<String> fields) {
    byte[] bytes;
    try {
      bytes = body.readNBytes(MAX_BODY_BYTES + 1);
    } catch (IOException e) {
      throw ApiException.badRequest("could not read the request body");
    }
    if (bytes.length > MAX_BODY_BYTES) {
      throw ApiException.tooLarge("the body is over " + MAX_BODY_BYTES + " bytes");
    }
    JsonNode json;
    try {
      json = Json.mapper().readTree(bytes);
    } catch (IOException e) {
      throw ApiException.badRequest("the body is not JSON");
    }
    if (json == null || !json.isObject()) {
      throw ApiException.badRequest("the body must be a JSON object");
    }
    json.fieldNames()
        .forEachRemaining(
            f -> {
              if (!fields.contains(f)) {
                throw ApiException.badRequest(
                    "unknown field '" + f + "'; allowed: " + String.join(", ", fields));
              }
            });
    return json;
  }

  private static String name(JsonNode json) {
    String name = requiredText(json, "name").strip();
    if (name.length() > MAX_NAME_CHARS || name.chars().anyMatch(Character::isISOControl)) {
      throw ApiException.badRequest(
          "'name' must be at most " + MAX_NAME_CHARS + " characters, none a control one");
    }
    return name;
  }

  private static Role role(JsonNode json) {
    try {
      return Role.parse(requiredText(json, "role"));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("'role' must be one of viewer, member, admin, owner");
    }
  }

  private static String requiredText(JsonNode json, String field) {
    JsonNode v = json.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw ApiException.badRequest("'" + field + "' is required: a non-blank string");
    }
    return v.asText();
  }

  static String optionalText(JsonNode json, String field) {
    JsonNode v = json.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw ApiException.badRequest("'" + field + "' must be a string");
    }
    return v.asText();
  }

  /** ISO-8601 instant ({@code 2027-01-01T00:00:00Z}) or epoch milliseconds; null for none. */
  private static Long expiresAt(JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.asLong();
    }
    if (v.isTextual()) {
      try {
        return Instant.parse(v.asText()).toEpochMilli();
      } catch (DateTimeParseException e) {
        // falls through
      }
    }
    throw ApiException.badRequest(
        "'expiresAt' must be an ISO-8601 instant (2027-01-01T00:00:00Z) or epoch ms");
  }
}
