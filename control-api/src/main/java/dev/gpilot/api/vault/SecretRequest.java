package dev.gpilot.api.vault;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;

/**
 * Reads a {@code PUT /api/v1/vault/secrets/{name}} body, {@code {"value": "..."}}. Every rejection
 * says what is wrong without quoting the body: a JSON parser's message would echo the text around
 * the error, which here is the secret.
 */
final class SecretRequest {
  static final int MAX_BODY_BYTES = 64 * 1024;
  private static final String SHAPE = "send a JSON object {\"value\": \"<the secret>\"}";

  private SecretRequest() {}

  /**
   * @return the value's UTF-8 bytes (the caller zeroes them when done)
   */
  static byte[] read(InputStream body, int maxValueBytes) {
    byte[] bytes;
    try {
      bytes = body.readNBytes(MAX_BODY_BYTES + 1);
    } catch (IOException e) {
      throw ApiException.badRequest("could not read the request body");
    }
    try {
      if (bytes.length > MAX_BODY_BYTES) {
        throw ApiException.badRequest(
            "the request body is over " + (MAX_BODY_BYTES / 1024) + " KiB");
      }
      if (bytes.length == 0) {
        throw ApiException.badRequest("the request body is empty; " + SHAPE);
      }
      JsonNode root;
      try {
        root = Json.mapper().readTree(bytes);
      } catch (IOException | RuntimeException e) {
        throw ApiException.badRequest("the request body is not valid JSON; " + SHAPE);
      }
      if (root == null || !root.isObject()) {
        throw ApiException.badRequest("the request body must be a JSON object; " + SHAPE);
      }
      for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
        // Not named: a field name is body text too, and a secret pasted as one would be echoed.
        if (!it.next().equals("value")) {
          throw ApiException.badRequest(
              "the body has a field other than 'value' (only 'value' is allowed); " + SHAPE);
        }
      }
      JsonNode value = root.get("value");
      if (value == null || value.isNull()) {
        throw ApiException.badRequest("'value' is required; " + SHAPE);
      }
      if (!value.isTextual()) {
        throw ApiException.badRequest(
            "'value' must be a string, got " + value.getNodeType().name().toLowerCase());
      }
      if (value.textValue().isBlank()) {
        throw ApiException.badRequest("'value' must not be empty or blank");
      }
      byte[] utf8 = value.textValue().getBytes(StandardCharsets.UTF_8);
      if (utf8.length > maxValueBytes) {
        Arrays.fill(utf8, (byte) 0);
        throw ApiException.badRequest("'value' is longer than " + maxValueBytes + " bytes (UTF-8)");
      }
      return utf8;
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }
}
