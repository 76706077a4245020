package dev.gpilot.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.vault.VaultKeyOptions;
import dev.gpilot.jobs.LocalMissionJob;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.jobs.agents.AgentOptions;
import dev.gpilot.jobs.agents.gemini.ApiKey;
import dev.gpilot.jobs.agents.gemini.DeploymentKey;
import dev.gpilot.jobs.agents.gemini.GeminiOptions;
import dev.gpilot.jobs.vault.VaultKeyResolverOptions;
import dev.gpilot.standin.GeminiStandin;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.Schemas;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tokens streamed out of a durable workflow: with streaming calls on, a step's model text reaches the mission's
 * stream as {@code step.delta} events, in the mission's sequence, before the step's result.
 */
class StepDeltaITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();
  private static final String TOKEN = "delta-token";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static GeminiStandin standin;
  private static JobClient job;
  private static ControlApi api;

  @BeforeAll
  static void start() throws Exception {
    standin = GeminiStandin.start(0);
    String bootstrap = KAFKA.bootstrapServers();
    String keyset = Files.createTempDirectory("deltas").resolve("master.json").toString();
    MissionJobOptions options = MissionJobOptions.of(bootstrap, CLICKHOUSE.url(), CLICKHOUSE.database())
        .withAgents(new AgentOptions(AgentOptions.Backend.GEMINI,
            GeminiOptions.of(DeploymentKey.insecureInJobGraph(ApiKey.of("delta-key")), standin.baseUrl())
                .withStreaming(true), 3,
            Duration.ofMillis(100), Duration.ofSeconds(1),
            new VaultKeyResolverOptions(bootstrap, VaultKeyOptions.localKeyset(keyset), "UNUSED")));
    job = LocalMissionJob.start(options,
        LocalMissionJob.localConfiguration(Files.createTempDirectory("checkpoints"), 1, 0, 1000));
    api = new ControlApi(new ApiOptions("127.0.0.1", 0, bootstrap, Path.of("unused"), 10_000, 2),
        TokenAuthenticator.of(Map.of(TOKEN, new Principal("default", "tester")))).start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
    if (job != null) {
      job.cancel().get();
    }
    if (standin != null) {
      standin.close();
    }
  }

  @Test
  void streamingStep_sendsItsTextAsDeltaEvents_beforeItsResult_inTheOrderOfTheOutput() throws Exception {
    String base = "http://127.0.0.1:" + api.port();
    HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/missions"))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"mission\":\"Write a short launch note\",\"config\":"
            + "{\"planner\":\"deterministic\",\"explicitAgents\":[\"content-orchestrator\"]}}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(accepted.statusCode()).isEqualTo(202);
    String missionId = Json.mapper().readTree(accepted.body()).get("missionId").asText();

    HttpResponse<Stream<String>> stream = HTTP.send(HttpRequest.newBuilder(
            URI.create(base + "/api/v1/missions/" + missionId + "/events"))
        .header("Authorization", "Bearer " + TOKEN).header("Accept", "application/x-ndjson")
        .timeout(Duration.ofSeconds(120)).GET().build(), HttpResponse.BodyHandlers.ofLines());
    assertThat(stream.statusCode()).isEqualTo(200);
    List<JsonNode> events = new ArrayList<>();
    try (Stream<String> lines = stream.body()) {
      for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
        String line = it.next();
        if (!line.isBlank()) {
          events.add(Json.mapper().readTree(line));
        }
      }
    }

    List<String> types = events.stream().map(e -> e.get("type").asText()).toList();
    assertThat(types).last().isEqualTo(EventTypes.MISSION_COMPLETED);
    List<JsonNode> deltas = events.stream().filter(e -> e.get("type").asText().equals(EventTypes.STEP_DELTA)).toList();
    assertThat(deltas).isNotEmpty();
    deltas.forEach(d -> assertThat(Schemas.problems("mission-event.v1", d)).isEmpty());
    int firstDelta = types.indexOf(EventTypes.STEP_DELTA);
    assertThat(firstDelta).isGreaterThan(types.indexOf(EventTypes.STEP_STARTED))
        .isLessThan(types.indexOf(EventTypes.STEP_COMPLETED));
    StringBuilder text = new StringBuilder();
    deltas.forEach(d -> text.append(d.get("text").asText()));
    JsonNode completed = events.get(types.indexOf(EventTypes.STEP_COMPLETED));
    // Deltas are best effort (SPEC §3): they travel on their own topic, so the last ones can reach the scheduler after
    // the result and are dropped. What arrived is the output's beginning, in order, never other text.
    assertThat(completed.at("/output/text").asText()).startsWith(text.toString());
  }
}
