package dev.gpilot.api.replay;

import static dev.gpilot.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.contracts.clickhouse.ClickHouseClient;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.jobs.LocalMissionJob;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.jobs.agents.AgentOptions;
import dev.gpilot.jobs.agents.gemini.ApiKey;
import dev.gpilot.jobs.agents.gemini.DeploymentKey;
import dev.gpilot.jobs.agents.gemini.GeminiOptions;
import dev.gpilot.jobs.rebuild.RebuildJob;
import dev.gpilot.jobs.rebuild.RebuildOptions;
import dev.gpilot.standin.Fault;
import dev.gpilot.standin.GeminiStandin;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ./gpilot replay rebuild} against real parts: missions run through the API, Kafka, the MissionJob on a
 * MiniCluster and the Gemini stand-in (a deterministic chain, one planned by the overseer, one that fails, a fork);
 * then the rebuild reads only the topics and writes a fresh database. What a user checks: every rebuilt table equals
 * what the live job wrote, row by row, over the range; a second rebuild changes nothing.
 */
class RebuildITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static final String TOKEN = "rebuild-token";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static GeminiStandin standin;
  private static JobClient job;
  private static ControlApi api;
  private static String base;
  private static String into;

  @BeforeAll
  static void start() throws Exception {
    standin = GeminiStandin.start(20);
    MissionJobOptions options = MissionJobOptions.of(KAFKA.bootstrapServers(), CLICKHOUSE.url(), CLICKHOUSE.database())
        .withAgents(AgentOptions.gemini(
                GeminiOptions.of(DeploymentKey.insecureInJobGraph(ApiKey.of("itcase-key-rebuild")), standin.baseUrl()))
            .withRetries(3, Duration.ofMillis(50), Duration.ofMillis(500)));
    job = LocalMissionJob.start(options, LocalMissionJob.localConfiguration(Files.createTempDirectory("cp"), 2, 0,
        1000));
    api = new ControlApi(new ApiOptions("127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 10_000, 4),
        TokenAuthenticator.of(Map.of(TOKEN, new Principal("default", "tester")))).start();
    base = "http://127.0.0.1:" + api.port();
    into = CLICKHOUSE.database() + "_rebuild";
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
    if (into != null) {
      CLICKHOUSE.client().withDatabase(null).execute("DROP DATABASE IF EXISTS " + into);
    }
  }

  private static JsonNode post(String path, String body) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return Json.mapper().readTree(response.body());
  }

  /** Submits a mission and reads its events to the end. */
  private static String finished(String body) throws Exception {
    String id = post("/api/v1/missions", body).get("missionId").asText();
    awaitEnd(id);
    return id;
  }

  private static void awaitEnd(String id) throws Exception {
    HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/missions/" + id + "/events"))
        .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(120)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static long one(String sql) {
    return CLICKHOUSE.client().query(sql).get(0).fields().next().getValue().asLong();
  }

  private static List<RebuildJob.TableCheck> rebuild(Instant from, Instant to, StringBuilder printed)
      throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<RebuildJob.TableCheck> checks = new RebuildJob(new RebuildOptions(KAFKA.bootstrapServers(), CLICKHOUSE.url(),
        CLICKHOUSE.database(), into, from, to, 2)).run(new Configuration(), new PrintStream(out, true,
        StandardCharsets.UTF_8));
    printed.append(out.toString(StandardCharsets.UTF_8));
    return checks;
  }

  @Test
  void theTablesRebuiltFromTheTopics_equalWhatTheLiveJobWrote_andASecondRebuildChangesNothing() throws Exception {
    Instant from = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    String chain = finished("{\"mission\":\"Rebuild a chain\",\"config\":{\"planner\":\"deterministic\","
        + "\"explicitAgents\":[\"agent-scout\",\"seo-analyst\",\"independent-verifier\"]}}");
    finished("{\"mission\":\"Rebuild what the overseer plans\",\"config\":{\"explicitAgents\":[\"agent-scout\"]}}");
    standin.inject(Fault.blocked("SAFETY").matching("Rebuild a refusal"));
    finished("{\"mission\":\"Rebuild a refusal\",\"config\":{\"planner\":\"deterministic\","
        + "\"explicitAgents\":[\"content-orchestrator\",\"seo-analyst\"]}}");
    String fork = post("/api/v1/missions/" + chain + "/rerun", "{\"model\":\"gemini-2.5-flash-lite\","
        + "\"fromStep\":\"s2\"}").get("missionId").asText();
    awaitEnd(fork);
    Instant to = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(2, ChronoUnit.MINUTES);

    // The live tables are complete once the job's sinks flushed and the cost windows of the last minute fired.
    eventually(Duration.ofSeconds(180), () -> {
      assertThat(one("SELECT count() FROM missions FINAL WHERE finished_at_ms > 0")).isEqualTo(4);
      assertThat(one("SELECT sum(steps) FROM cost_rollup_1m FINAL"))
          .isEqualTo(one("SELECT count() FROM cost_records FINAL")).isPositive();
    });

    StringBuilder printed = new StringBuilder();
    List<RebuildJob.TableCheck> first = rebuild(from, to, printed);
    assertThat(first).extracting(RebuildJob.TableCheck::table)
        .containsExactly("mission_events", "missions", "cost_records", "cost_rollup_1m");
    assertThat(first).as(printed.toString()).allSatisfy(c -> {
      assertThat(c.identical()).as(c.toString()).isTrue();
      assertThat(c.liveRows()).as(c.table()).isPositive();
    });
    assertThat(first.get(1).liveRows()).isEqualTo(4);
    assertThat(printed).contains("identical");

    // Row by row, straight from the two databases (not only through the job's own comparison).
    ClickHouseClient live = CLICKHOUSE.client();
    ClickHouseClient rebuilt = live.withDatabase(into);
    String missions = "SELECT * FROM missions FINAL ORDER BY workspace_id, mission_id";
    String events = "SELECT workspace_id, mission_id, seq, event FROM mission_events FINAL"
        + " ORDER BY workspace_id, mission_id, seq";
    String raw = "SELECT * FROM cost_records FINAL ORDER BY workspace_id, id";
    assertThat(RebuildJob.rows(rebuilt, missions)).isEqualTo(RebuildJob.rows(live, missions));
    assertThat(RebuildJob.rows(rebuilt, events)).isEqualTo(RebuildJob.rows(live, events));
    assertThat(RebuildJob.rows(rebuilt, raw)).isEqualTo(RebuildJob.rows(live, raw));
    String rollups = "SELECT * FROM cost_rollup_1m FINAL ORDER BY workspace_id, window_start, agent, model, slice";
    List<String> rebuiltRollups = RebuildJob.rows(rebuilt, rollups);

    // Again: the same rows, nothing added.
    List<RebuildJob.TableCheck> second = rebuild(from, to, new StringBuilder());
    assertThat(second).allSatisfy(c -> assertThat(c.identical()).as(c.toString()).isTrue());
    assertThat(second).isEqualTo(first);
    assertThat(RebuildJob.rows(rebuilt, missions)).isEqualTo(RebuildJob.rows(live, missions));
    assertThat(RebuildJob.rows(rebuilt, rollups)).isEqualTo(rebuiltRollups);
    assertThat(RebuildJob.rows(rebuilt, raw)).isEqualTo(RebuildJob.rows(live, raw));
  }
}
