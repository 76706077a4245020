package dev.gpilot.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The API right after a deployment, before the MissionJob's sinks have created the ClickHouse
 * database and tables: nothing is stored yet, so an unknown mission is a 404 and the analytics are
 * empty; only a ClickHouse that does not answer is a 503. Each test runs its own API on a database
 * of its own.
 */
class FreshDeploymentITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static final String TOKEN = "test-token-default";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final List<String> DATABASES = new ArrayList<>();

  @AfterAll
  static void dropDatabases() {
    ClickHouseClient server = CLICKHOUSE.client().withDatabase(null);
    DATABASES.forEach(db -> server.execute("DROP DATABASE IF EXISTS " + db));
  }

  /** A database name of this test class that does not exist yet (dropped after the tests). */
  private static String freshDatabase(String suffix) {
    String name = CLICKHOUSE.database() + "_" + suffix;
    DATABASES.add(name);
    return name;
  }

  private static ControlApi startApi(String clickhouseUrl, String database) throws Exception {
    return new ControlApi(
            new ApiOptions("127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 1000, 2)
                .withClickHouse(clickhouseUrl, database),
            TokenAuthenticator.of(Map.of(TOKEN, new Principal("default", "tester"))))
        .start();
  }

  private static boolean databaseExists(String database) {
    return !CLICKHOUSE
        .client()
        .withDatabase(null)
        .query("SELECT name FROM system.databases WHERE name = '" + database + "'")
        .isEmpty();
  }

  private static HttpResponse<String> send(
      ControlApi api, String method, String path, String accept) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
            .header("Authorization", "Bearer " + TOKEN)
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (accept != null) {
      request.header("Accept", accept);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertProblem(HttpResponse<String> response, int status, String type)
      throws Exception {
    String label = response.request().method() + " " + response.request().uri().getPath();
    assertThat(response.statusCode()).as(label + ": " + response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("content-type"))
        .as(label)
        .hasValue("application/problem+json");
    JsonNode problem = Json.mapper().readTree(response.body());
    assertThat(problem.get("type").asText()).as(label).isEqualTo("/problems/" + type);
    assertThat(problem.get("status").asInt()).as(label).isEqualTo(status);
  }

  /** Every mission endpoint that names a mission, for a mission nobody submitted. */
  private static void assertEveryMissionEndpointAnswers(ControlApi api, int status, String type)
      throws Exception {
    String mission = "/api/v1/missions/never-submitted";
    assertProblem(send(api, "GET", mission, null), status, type);
    assertProblem(send(api, "GET", mission + "/stream", "text/event-stream"), status, type);
    assertProblem(send(api, "GET", mission + "/events", "application/x-ndjson"), status, type);
    assertProblem(send(api, "POST", mission + "/cancel", null), status, type);
  }

  @Test
  void unknownMission_beforeTheJobCreatedTheDatabase_is404OnEveryMissionEndpoint()
      throws Exception {
    String database = freshDatabase("none");
    try (ControlApi api = startApi(CLICKHOUSE.url(), database)) {
      assertThat(databaseExists(database)).as("the database is not there yet").isFalse();

      assertEveryMissionEndpointAnswers(api, 404, "not-found");
    }
  }

  @Test
  void unknownMission_whileTheDatabaseHasNoEventsTableYet_is404OnEveryMissionEndpoint()
      throws Exception {
    String database = freshDatabase("empty");
    CLICKHOUSE.client().withDatabase(null).execute("CREATE DATABASE " + database);
    try (ControlApi api = startApi(CLICKHOUSE.url(), database)) {
      assertEveryMissionEndpointAnswers(api, 404, "not-found");
    }
  }

  @Test
  void analytics_beforeTheJobCreatedTheDatabase_areEmpty() throws Exception {
    String database = freshDatabase("analytics");
    try (ControlApi api = startApi(CLICKHOUSE.url(), database)) {
      assertThat(databaseExists(database)).as("the database is not there yet").isFalse();

      for (String path :
          List.of("/api/v1/analytics/agent-costs", "/api/v1/analytics/cost-series")) {
        HttpResponse<String> response = send(api, "GET", path, null);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        assertThat(Json.mapper().readTree(response.body())).as(path).isEmpty();
      }
      HttpResponse<String> csv = send(api, "GET", "/api/v1/analytics/agent-costs?format=csv", null);
      assertThat(csv.statusCode()).isEqualTo(200);
      assertThat(csv.body().strip()).as("the header row only").doesNotContain("\n");
    }
  }

  @Test
  void clickHouseNotAnswering_isStill503_forMissionsAndAnalytics() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (ControlApi api = startApi("http://127.0.0.1:" + closedPort, "gpilot")) {
      assertEveryMissionEndpointAnswers(api, 503, "unavailable");
      assertProblem(send(api, "GET", "/api/v1/analytics/agent-costs", null), 503, "unavailable");
      assertProblem(send(api, "GET", "/api/v1/analytics/cost-series", null), 503, "unavailable");
    }
  }
}
