package dev.gpilot.api.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.MissionStack;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.jobs.agents.AgentOptions;
import dev.gpilot.jobs.agents.gemini.ApiKey;
import dev.gpilot.jobs.agents.gemini.DeploymentKey;
import dev.gpilot.jobs.agents.gemini.GeminiOptions;
import dev.gpilot.jobs.rebuild.RebuildJob;
import dev.gpilot.jobs.rebuild.RebuildOptions;
import dev.gpilot.standin.Fault;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ./gpilot replay rebuild} against real parts: missions run through the API, Kafka, the
 * MissionJob on a MiniCluster and the Gemini stand-in (a deterministic chain, one planned by the
 * overseer, one that fails, a fork, and one whose step is still waiting for the model when the
 * rebuild runs); then the rebuild reads only the topics and writes a fresh database. What a user
 * checks: every rebuilt table equals what the live job wrote, row by row, over the range, the
 * unfinished mission's row included; a second rebuild changes nothing.
 */
class RebuildITCase {
  private static final String TOKEN = "rebuild-token";
  private static final String WAITING = "Rebuild a waiting step";

  // Gemini calls may take half an hour here: the waiting mission's one call stays unanswered
  // through the test.
  @RegisterExtension
  static final MissionStack STACK =
      MissionStack.builder()
          .standin(20)
          .agents(
              stack ->
                  AgentOptions.gemini(
                          GeminiOptions.of(
                                  DeploymentKey.insecureInJobGraph(ApiKey.of("itcase-key-rebuild")),
                                  stack.standin().baseUrl())
                              .withCallTimeout(Duration.ofMinutes(30)))
                      .withRetries(3, Duration.ofMillis(50), Duration.ofMillis(500)))
          .token(TOKEN, new Principal("default", "tester"))
          .build();

  private static final KafkaTestBroker KAFKA = STACK.kafka();
  private static final ClickHouseTestServer CLICKHOUSE = STACK.clickhouse();

  private static final ApiClient api = STACK.client(TOKEN);
  private static String into;

  @BeforeAll
  static void start() {
    into = CLICKHOUSE.database() + "_rebuild";
  }

  @AfterAll
  static void stop() {
    if (into != null) {
      CLICKHOUSE.client().withDatabase(null).execute("DROP DATABASE IF EXISTS " + into);
    }
  }

  private static JsonNode post(String path, String body) throws Exception {
    ApiClient.Response response = api.post(path, body);
    assertThat(response.status()).as(response.body()).isEqualTo(202);
    return response.json();
  }

  /** Submits a mission and reads its events to the end. */
  private static String finished(String body) throws Exception {
    String id = post("/api/v1/missions", body).get("missionId").asText();
    awaitEnd(id);
    return id;
  }

  private static void awaitEnd(String id) throws Exception {
    api.get("/api/v1/missions/" + id + "/events");
  }

  private static long one(String sql) {
    return CLICKHOUSE.client().query(sql).get(0).fields().next().getValue().asLong();
  }

  private static List<RebuildJob.TableCheck> rebuild(
      Instant from, Instant to, StringBuilder printed) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<RebuildJob.TableCheck> checks =
        new RebuildJob(
                new RebuildOptions(
                    KAFKA.bootstrapServers(),
                    CLICKHOUSE.url(),
                    CLICKHOUSE.database(),
                    into,
                    from,
                    to,
                    2))
            .run(new Configuration(), new PrintStream(out, true, StandardCharsets.UTF_8));
    printed.append(out.toString(StandardCharsets.UTF_8));
    return checks;
  }

  @Test
  void theTablesRebuiltFromTheTopics_equalWhatTheLiveJobWrote_andASecondRebuildChangesNothing()
      throws Exception {
    Instant from = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    String chain =
        finished(
            "{\"mission\":\"Rebuild a chain\",\"config\":{\"planner\":\"deterministic\","
                + "\"explicitAgents\":[\"agent-scout\",\"seo-analyst\",\"independent-verifier\"]}}");
    finished(
        "{\"mission\":\"Rebuild what the overseer plans\",\"config\":{\"explicitAgents\":[\"agent-scout\"]}}");
    STACK.standin().inject(Fault.blocked("SAFETY").matching("Rebuild a refusal"));
    finished(
        "{\"mission\":\"Rebuild a refusal\",\"config\":{\"planner\":\"deterministic\","
            + "\"explicitAgents\":[\"content-orchestrator\",\"seo-analyst\"]}}");
    String fork =
        post(
                "/api/v1/missions/" + chain + "/rerun",
                "{\"model\":\"gemini-2.5-flash-lite\"," + "\"fromStep\":\"s2\"}")
            .get("missionId")
            .asText();
    awaitEnd(fork);
    // Still running when the rebuild runs: its one step's model call is answered only after the
    // test.
    STACK.standin().inject(Fault.slow(Duration.ofMinutes(30).toMillis()).matching(WAITING));
    String waiting =
        post(
                "/api/v1/missions",
                "{\"mission\":\""
                    + WAITING
                    + "\",\"config\":{\"plan\":{\"steps\":["
                    + "{\"id\":\"w\",\"agent\":\"agent-scout\",\"action\":\"wait\",\"timeoutSeconds\":3600,"
                    + "\"maxAttempts\":1}]}}}")
            .get("missionId")
            .asText();
    Instant to = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(2, ChronoUnit.MINUTES);

    // The live tables are complete once the job's sinks flushed and the cost windows of the last
    // minute fired.
    await()
        .atMost(Duration.ofSeconds(180))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(one("SELECT count() FROM missions FINAL WHERE finished_at_ms > 0"))
                  .isEqualTo(4);
              assertThat(
                      one(
                          "SELECT count() FROM mission_events FINAL WHERE mission_id = '"
                              + waiting
                              + "' AND type = 'step.started'"))
                  .isEqualTo(1);
              assertThat(one("SELECT sum(steps) FROM cost_rollup_1m FINAL"))
                  .isEqualTo(one("SELECT count() FROM cost_records FINAL"))
                  .isPositive();
            });

    StringBuilder printed = new StringBuilder();
    List<RebuildJob.TableCheck> first = rebuild(from, to, printed);
    assertThat(first)
        .extracting(RebuildJob.TableCheck::table)
        .containsExactly("mission_events", "missions", "cost_records", "cost_rollup_1m");
    assertThat(first)
        .as(printed.toString())
        .allSatisfy(
            c -> {
              assertThat(c.identical()).as(c.toString()).isTrue();
              assertThat(c.liveRows()).as(c.table()).isPositive();
            });
    assertThat(first.get(1).liveRows()).isEqualTo(5);
    assertThat(printed).contains("identical");

    // Row by row, straight from the two databases (not only through the job's own comparison).
    ClickHouseClient live = CLICKHOUSE.client();
    ClickHouseClient rebuilt = live.withDatabase(into);
    String missions = "SELECT * FROM missions FINAL ORDER BY workspace_id, mission_id";
    String events =
        "SELECT workspace_id, mission_id, seq, event FROM mission_events FINAL"
            + " ORDER BY workspace_id, mission_id, seq";
    String raw = "SELECT * FROM cost_records FINAL ORDER BY workspace_id, id";
    assertThat(RebuildJob.rows(rebuilt, missions)).isEqualTo(RebuildJob.rows(live, missions));
    assertThat(RebuildJob.rows(rebuilt, events)).isEqualTo(RebuildJob.rows(live, events));
    assertThat(RebuildJob.rows(rebuilt, raw)).isEqualTo(RebuildJob.rows(live, raw));
    // The unfinished mission: its live row is the summary written when its run started, and so is
    // the rebuilt one.
    String waitingRow = "SELECT * FROM missions FINAL WHERE mission_id = '" + waiting + "'";
    List<JsonNode> liveWaiting = live.query(waitingRow);
    assertThat(liveWaiting)
        .singleElement()
        .satisfies(
            row -> {
              assertThat(row.get("status").asText()).isEqualTo("RUNNING");
              assertThat(row.get("finished_at_ms").asLong()).isZero();
              assertThat(row.get("started_at_ms").asLong()).isPositive();
            });
    assertThat(rebuilt.query(waitingRow)).isEqualTo(liveWaiting);
    assertThat(api.get("/api/v1/missions/" + waiting).json().get("status").asText())
        .isEqualTo("RUNNING");
    String rollups =
        "SELECT * FROM cost_rollup_1m FINAL ORDER BY workspace_id, window_start, agent, model, slice";
    List<String> rebuiltRollups = RebuildJob.rows(rebuilt, rollups);

    // Again: the same rows, nothing added.
    List<RebuildJob.TableCheck> second = rebuild(from, to, new StringBuilder());
    assertThat(second).allSatisfy(c -> assertThat(c.identical()).as(c.toString()).isTrue());
    assertThat(second).isEqualTo(first);
    assertThat(RebuildJob.rows(rebuilt, missions)).isEqualTo(RebuildJob.rows(live, missions));
    assertThat(rebuilt.query(waitingRow)).isEqualTo(liveWaiting);
    assertThat(RebuildJob.rows(rebuilt, rollups)).isEqualTo(rebuiltRollups);
    assertThat(RebuildJob.rows(rebuilt, raw)).isEqualTo(RebuildJob.rows(live, raw));
  }
}
