package dev.gpilot.api.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The few calls a batch replay makes to the control API, with a token. The token is sent, never
 * printed: an answer keeps the status and body only.
 */
final class ApiClient {
  /**
   * An answer: its status and JSON body (a problem for 4xx/5xx; null when the body was not JSON).
   */
  record Answer(int status, JsonNode body) {
    boolean ok() {
      return status / 100 == 2;
    }

    /** The problem's {@code type} without {@code /problems/}, or the status. */
    String problem() {
      String type = body == null ? null : body.path("type").asText(null);
      return type == null ? String.valueOf(status) : type.replace("/problems/", "");
    }

    String detail() {
      return body == null ? "" : body.path("detail").asText("");
    }
  }

  /** The API did not answer (connection refused, timeout). */
  static final class Unreachable extends Exception {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String token;

  ApiClient(String base, String token) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.token = token;
  }

  String base() {
    return base;
  }

  Answer get(String path) throws Unreachable {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  Answer post(String path, String json) throws Unreachable {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** A POST under an Idempotency-Key: sent again with the same key, it makes nothing new. */
  Answer post(String path, String json, String idempotencyKey) throws Unreachable {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", idempotencyKey)
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  static String query(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private Answer send(HttpRequest.Builder request) throws Unreachable {
    HttpResponse<String> response;
    try {
      response =
          http.send(
              request
                  .header("Authorization", "Bearer " + token)
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Unreachable("the API at " + base + " does not answer: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable("interrupted", e);
    }
    JsonNode body;
    try {
      body = response.body().isBlank() ? null : Json.mapper().readTree(response.body());
    } catch (IOException e) {
      body = null;
    }
    return new Answer(response.statusCode(), body);
  }
}
