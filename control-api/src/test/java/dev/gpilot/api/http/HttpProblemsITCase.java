package dev.gpilot.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiServer;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.KafkaTestBroker;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every error answer is a problem (RFC 9457) in UTF-8, also those no route of ours makes: an
 * unknown route or method, and what Jetty rejects before any route runs (a malformed request, a URI
 * or headers over its limits).
 */
class HttpProblemsITCase {
  private static final String TOKEN = "test-token";

  @RegisterExtension
  static final ApiServer API =
      ApiServer.builder()
          .maxMissionsInMemory(1000)
          .token(TOKEN, new Principal("default", "tester"))
          .build();

  private static final KafkaTestBroker KAFKA = API.kafka();

  private static RawHttp http;

  @BeforeAll
  static void start() throws Exception {
    http = new RawHttp(API.port(), 10_000);
  }

  private static String get(String target, String... headers) {
    return "GET "
        + target
        + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer "
        + TOKEN
        + "\r\n"
        + String.join("", java.util.Arrays.stream(headers).map(h -> h + "\r\n").toList())
        + "\r\n";
  }

  /** The problem in the answer, after checking its status, media type and members. */
  private static JsonNode problem(RawHttp.Response response, int status) throws Exception {
    assertThat(response.status()).as(response.bodyText()).isEqualTo(status);
    assertThat(response.header("content-type"))
        .as(response.bodyText())
        .startsWith("application/problem+json");
    JsonNode problem = Json.mapper().readTree(response.body());
    assertThat(problem.get("type").asText()).startsWith("/problems/");
    assertThat(problem.get("title").asText()).isNotBlank();
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    return problem;
  }

  @Test
  void problemDetailsWithNonAsciiText_areUtf8Json() throws Exception {
    JsonNode problem =
        problem(
            http.send(get("/api/v1/missions/%E3%83%9F%E3%83%83%E3%82%B7%E3%83%A7%E3%83%B3")), 404);

    assertThat(problem.get("detail").asText()).contains("'ミッション'");
  }

  @Test
  void unknownRouteOrMethod_isA404Problem() throws Exception {
    assertThat(problem(http.send(get("/api/v2/nothing")), 404).get("type").asText())
        .isEqualTo("/problems/not-found");
    String wrongMethod =
        "DELETE /api/v1/agents HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer "
            + TOKEN
            + "\r\n\r\n";
    assertThat(problem(http.send(wrongMethod), 404).get("type").asText())
        .isEqualTo("/problems/not-found");
  }

  @Test
  void requestsJettyRejectsBeforeAnyRoute_getProblemsToo() throws Exception {
    problem(
        http.send(
            "GET /api/v1/agents HTTP/1.1\r\nHost: x\r\nConnection: close\r\nBad Header: x\r\n\r\n"),
        400);
    problem(http.send(get("/api/v1/missions/" + "a".repeat(70_000))), 414);
    problem(http.send(get("/api/v1/agents", "X-Big: " + "a".repeat(70_000))), 431);
    problem(http.send(get("/api/v1/missions/%C0%AF")), 400);
    problem(http.send(get("/api/v1/missions/ミッション")), 400);
    problem(
        http.send(
            "PUT /api/v1/vault/secrets/social.ü HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Length: 2\r\n\r\n{}"),
        400);
  }

  @Test
  void anUnknownHttpVersion_isA400Problem_notA5xx() throws Exception {
    JsonNode problem =
        problem(
            http.send("GET /api/v1/agents HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n"), 400);

    assertThat(problem.get("detail").asText()).contains("HTTP/1.1");
  }
}
