package dev.gpilot.api.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The one HTTP client of the API's tests: a base URL and a bearer token (none when {@code null}).
 * Every call reads the whole answer, so a stream is read to its end; {@link #open} reads a stream
 * only up to its headers. Requests time out after two minutes, as long as a mission's events may
 * take on a loaded machine.
 */
public final class ApiClient {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  /** An answer: status, headers and body (empty for a stream {@link #open}ed that answered 200). */
  public record Response(int status, HttpHeaders headers, String body) {
    public JsonNode json() throws IOException {
      return Json.mapper().readTree(body);
    }

    public String contentType() {
      return headers.firstValue("Content-Type").orElse("");
    }

    public Optional<String> header(String name) {
      return headers.firstValue(name);
    }

    @Override
    public String toString() {
      return status + " " + contentType() + " " + body;
    }
  }

  private final Supplier<String> base;
  private final String token;

  /**
   * A client of the API at {@code base}, read on every call (a stack's API may move to another port
   * when restarted, and a client may be built before it starts).
   */
  public ApiClient(Supplier<String> base, String token) {
    this.base = base;
    this.token = token;
  }

  public ApiClient(String base, String token) {
    this(() -> base, token);
  }

  public ApiClient(int port, String token) {
    this("http://127.0.0.1:" + port, token);
  }

  /** The same API with another token ({@code null}: no Authorization header). */
  public ApiClient as(String otherToken) {
    return new ApiClient(base, otherToken);
  }

  public String base() {
    return base.get();
  }

  public String url(String path) {
    return base() + path;
  }

  public Response get(String path) throws Exception {
    return send("GET", path, null, null, Map.of());
  }

  /** A GET asking for {@code accept} (no Accept header when null). */
  public Response get(String path, String accept) throws Exception {
    return send("GET", path, null, null, accept == null ? Map.of() : Map.of("Accept", accept));
  }

  public Response post(String path, String body) throws Exception {
    return send("POST", path, "application/json", body, Map.of());
  }

  public Response put(String path, String body) throws Exception {
    return send("PUT", path, "application/json", body, Map.of());
  }

  public Response delete(String path) throws Exception {
    return send("DELETE", path, null, null, Map.of());
  }

  /** Any call, read whole, with a JSON body when {@code body} is not null. */
  public Response send(String method, String path, String body) throws Exception {
    return send(method, path, body == null ? null : "application/json", body, Map.of());
  }

  /** Any call, read whole; {@code contentType} and {@code body} may be null. */
  public Response send(
      String method, String path, String contentType, String body, Map<String, String> headers)
      throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            request(method, path, contentType, body, headers).build(),
            HttpResponse.BodyHandlers.ofString());
    return new Response(response.statusCode(), response.headers(), response.body());
  }

  /**
   * Any call, with a stream that answered 200 read only up to its headers: a running mission's
   * stream never ends, and its headers say enough. Anything else is read whole.
   */
  public Response open(String method, String path, String contentType, String body)
      throws Exception {
    HttpResponse<InputStream> response =
        HTTP.send(
            request(method, path, contentType, body, Map.of()).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    String type = response.headers().firstValue("Content-Type").orElse("");
    try (InputStream in = response.body()) {
      boolean stream =
          type.startsWith("text/event-stream") || type.startsWith("application/x-ndjson");
      String text =
          stream && response.statusCode() == 200
              ? ""
              : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return new Response(response.statusCode(), response.headers(), text);
    }
  }

  /** {@link #open} with the given token ({@code null}: none). */
  public Response open(String method, String path, String token, String contentType, String body)
      throws Exception {
    return as(token).open(method, path, contentType, body);
  }

  /** {@link #open} with the given token, a JSON body when {@code body} is not null. */
  public Response call(String method, String path, String token, String body) throws Exception {
    return open(method, path, token, body == null ? null : "application/json", body);
  }

  /** {@link #call}, asserting {@code status}; the answer's JSON body, null when empty. */
  public JsonNode ok(String method, String path, String token, String body, int status)
      throws Exception {
    Response a = call(method, path, token, body);
    if (a.status() != status) {
      throw new AssertionError(method + " " + path + " answered " + a + ", expected " + status);
    }
    return a.body().isEmpty() ? null : a.json();
  }

  private HttpRequest.Builder request(
      String method, String path, String contentType, String body, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url(path)))
            .timeout(TIMEOUT)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    headers.forEach(request::header);
    return request;
  }

  /**
   * A mission of the given agents, one step each in order, planned by {@code planner} (the API's
   * default if null).
   */
  public static String missionBody(String planner, String mission, String... agents) {
    return "{\"mission\":\""
        + mission
        + "\",\"config\":{"
        + (planner == null ? "" : "\"planner\":\"" + planner + "\",")
        + "\"explicitAgents\":["
        + String.join(",", Stream.of(agents).map(a -> "\"" + a + "\"").toList())
        + "]}}";
  }

  /** Submits a mission body, asserts it was accepted (202) and returns its id. */
  public String submit(String body) throws Exception {
    Response accepted = post("/api/v1/missions", body);
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    return accepted.json().get("missionId").asText();
  }

  /** Submits a mission planned by the deterministic planner: one step per agent, in order. */
  public String submit(String mission, String... agents) throws Exception {
    return submit(missionBody("deterministic", mission, agents));
  }

  /** The mission's events, read to the end as NDJSON; asserts the stream answered 200. */
  public List<JsonNode> events(String missionId) throws Exception {
    HttpResponse<Stream<String>> response =
        HTTP.send(
            request(
                    "GET",
                    "/api/v1/missions/" + missionId + "/events",
                    null,
                    null,
                    Map.of("Accept", "application/x-ndjson"))
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    List<JsonNode> events = new ArrayList<>();
    try (Stream<String> lines = response.body()) {
      for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
        String line = it.next();
        if (!line.isBlank()) {
          events.add(Json.mapper().readTree(line));
        }
      }
    }
    return events;
  }

  /**
   * Waits up to {@code atMost} until {@code GET /api/v1/missions/{id}} answers 200 with the mission
   * COMPLETED or FAILED (other answers and failed calls are retried until then), and returns that
   * mission.
   */
  public JsonNode awaitFinished(String missionId, Duration atMost) {
    JsonNode[] mission = new JsonNode[1];
    await()
        .atMost(atMost)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Response response = get("/api/v1/missions/" + missionId);
              assertThat(response.status()).isEqualTo(200);
              mission[0] = response.json();
              assertThat(mission[0].get("status").asText()).isIn("COMPLETED", "FAILED");
            });
    return mission[0];
  }

  /**
   * Asserts a problem response: its status, the problem content type and {@code /problems/<type>}.
   */
  public static void assertProblem(Response response, int status, String type) throws Exception {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.contentType()).startsWith("application/problem+json");
    assertThat(response.json().get("type").asText()).isEqualTo("/problems/" + type);
  }
}
