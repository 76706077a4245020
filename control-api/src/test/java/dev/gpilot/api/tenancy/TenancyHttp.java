package dev.gpilot.api.tenancy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A small HTTP client for one API instance; streams are read only up to their headers (and a problem's body). */
final class TenancyHttp {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** A response: status, content type and body (empty for a stream that answered 200). */
  record Answer(int status, String contentType, String body) {
    JsonNode json() throws IOException {
      return Json.mapper().readTree(body);
    }

    @Override
    public String toString() {
      return status + " " + contentType + " " + body;
    }
  }

  private final String base;

  TenancyHttp(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  Answer send(String method, String path, String token, String contentType, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    HttpResponse<InputStream> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    String type = response.headers().firstValue("Content-Type").orElse("");
    try (InputStream in = response.body()) {
      boolean stream = type.startsWith("text/event-stream") || type.startsWith("application/x-ndjson");
      // A stream of a running mission never ends: its headers say enough; anything else is read whole.
      String text = stream && response.statusCode() == 200 ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return new Answer(response.statusCode(), type, text);
    }
  }

  Answer json(String method, String path, String token, String body) throws Exception {
    return send(method, path, token, body == null ? null : "application/json", body);
  }

  JsonNode ok(String method, String path, String token, String body, int status) throws Exception {
    Answer a = json(method, path, token, body);
    if (a.status() != status) {
      throw new AssertionError(method + " " + path + " answered " + a + ", expected " + status);
    }
    return a.body().isEmpty() ? null : a.json();
  }
}
