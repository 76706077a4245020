package dev.gpilot.api.vault;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client for one API instance's vault endpoints that keeps every response (headers and body) for
 * scanning.
 */
final class VaultHttp {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** Every response any client saw, as text: status line, headers, body. */
  static final List<String> SEEN = new CopyOnWriteArrayList<>();

  private final String base;

  VaultHttp(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  HttpResponse<String> put(String name, String body, String token) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(base + "/api/v1/vault/secrets/" + name))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body)),
        token);
  }

  HttpResponse<String> putValue(String name, String value, String token) throws Exception {
    return put(name, Json.mapper().createObjectNode().put("value", value).toString(), token);
  }

  HttpResponse<String> delete(String name, String token) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(base + "/api/v1/vault/secrets/" + name)).DELETE(), token);
  }

  HttpResponse<String> get(String path, String token) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), token);
  }

  HttpResponse<String> rotate(String token) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(base + "/api/v1/vault/rotate"))
            .POST(HttpRequest.BodyPublishers.noBody()),
        token);
  }

  JsonNode vault(String token) throws Exception {
    HttpResponse<String> r = get("/api/v1/vault", token);
    if (r.statusCode() != 200) {
      throw new AssertionError("GET /api/v1/vault answered " + r.statusCode() + ": " + r.body());
    }
    return json(r);
  }

  static JsonNode json(HttpResponse<String> response) throws Exception {
    return Json.mapper().readTree(response.body());
  }

  private HttpResponse<String> send(HttpRequest.Builder request, String token) throws Exception {
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    SEEN.add(response.statusCode() + "\n" + response.headers().map() + "\n" + response.body());
    return response;
  }
}
