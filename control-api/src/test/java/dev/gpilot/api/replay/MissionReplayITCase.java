package dev.gpilot.api.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.MissionStack;
import dev.gpilot.api.testing.StoredRows;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.ClickHouseTestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ./gpilot replay missions} and {@code replay report} (the commands the script forwards to
 * {@link MissionReplayCli}) against real parts: the API, Kafka, the MissionJob on a MiniCluster,
 * ClickHouse and the Gemini stand-in. What a user checks: a range of finished missions is forked
 * onto another model, no more than {@code --limit}; an interrupted run resumes without forking a
 * mission twice, also when it crashed between the API's answer and the state file's line; the
 * report compares each pair with the numbers the API shows and writes one row per pair to
 * ClickHouse, the same rows again on a second report.
 */
class MissionReplayITCase {
  private static final String TOKEN = "replay-token";
  private static final String NEW_MODEL = "gemini-2.5-flash-lite";

  @RegisterExtension
  static final MissionStack STACK =
      MissionStack.builder()
          .standin(20)
          .geminiKey("itcase-key-replay")
          .apiClickHouse()
          .token(TOKEN, new Principal("default", "tester"))
          .build();

  private static final ClickHouseTestServer CLICKHOUSE = STACK.clickhouse();

  private static final ApiClient api = STACK.client(TOKEN);
  private static Path dir;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("replay-runs");
  }

  private record Cli(int exit, String out, String err) {}

  private static Cli cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        MissionReplayCli.run(
            List.of(args),
            Map.of(
                "GPILOT_TOKEN",
                TOKEN,
                "GPILOT_API_URL",
                api.base(),
                "GPILOT_REPLAY_DIR",
                dir.toString(),
                "CLICKHOUSE_URL",
                CLICKHOUSE.url(),
                "CLICKHOUSE_DATABASE",
                CLICKHOUSE.database()),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Clock.systemUTC());
    return new Cli(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static JsonNode call(String method, String path, String body) throws Exception {
    ApiClient.Response response = body == null ? api.get(path) : api.post(path, body);
    assertThat(response.status()).as(response.body()).isLessThan(300);
    return response.json();
  }

  /** Submits a two-step mission and reads its events to the end. */
  private static String finishedMission(String text) throws Exception {
    String id =
        call(
                "POST",
                "/api/v1/missions",
                "{\"mission\":\""
                    + text
                    + "\",\"config\":{\"planner\":"
                    + "\"deterministic\",\"explicitAgents\":[\"agent-scout\",\"seo-analyst\"]}}")
            .get("missionId")
            .asText();
    api.get("/api/v1/missions/" + id + "/events");
    return id;
  }

  /** The state file's lines as the run reads them: a line a crash cut short is not one. */
  private static List<JsonNode> stateLines(String run) throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve(run + ".state"))) {
      try {
        lines.add(Json.mapper().readTree(line));
      } catch (com.fasterxml.jackson.core.JsonProcessingException cut) {
        // skipped, as the run skips it
      }
    }
    return lines;
  }

  /** The forks of {@code original} the job accepted, as ClickHouse stores their first events. */
  private static List<String> forksOf(String original) {
    return StoredRows.forksOf(CLICKHOUSE, original);
  }

  @Test
  void aRangeOfMissions_isForkedOntoAModel_withinItsLimit_resumes_andIsComparedInClickHouse()
      throws Exception {
    Instant from = Instant.now();
    List<String> originals =
        List.of(
            finishedMission("Replay one"),
            finishedMission("Replay two"),
            finishedMission("Replay three"));
    Instant to = Instant.now().plusMillis(1);
    // The missions list (ClickHouse's missions table) shows them finished once the job's sink has
    // flushed.
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(
                        call("GET", "/api/v1/missions?status=COMPLETED&limit=100", null)
                            .get("missions")
                            .findValuesAsText("missionId"))
                    .containsAll(originals));

    // --limit: the two oldest of the range, onto the new model from step s2.
    Cli limited =
        cli(
            "missions",
            "--from",
            from.toString(),
            "--to",
            to.toString(),
            "--model",
            NEW_MODEL,
            "--from-step",
            "s2",
            "--limit",
            "2",
            "--rate",
            "20",
            "--run",
            "limited");
    assertThat(limited.exit()).as(limited.toString()).isZero();
    assertThat(limited.out()).contains("3 finished missions", "2 forks submitted now");
    List<JsonNode> limitedState = stateLines("limited");
    assertThat(limitedState.subList(1, 3))
        .extracting(l -> l.get("original").asText())
        .containsExactly(originals.get(0), originals.get(1));

    // An interrupted run: its state holds the first two missions; resumed, it forks only the third.
    List<String> interrupted = new ArrayList<>();
    interrupted.add(
        ((com.fasterxml.jackson.databind.node.ObjectNode) limitedState.get(0).deepCopy())
            .put("runId", "resumed")
            .put("limit", Long.MAX_VALUE)
            .toString());
    interrupted.add(limitedState.get(1).toString());
    interrupted.add(limitedState.get(2).toString());
    Files.write(dir.resolve("resumed.state"), interrupted);
    Cli resumed = cli("missions", "--run", "resumed");
    assertThat(resumed.exit()).as(resumed.toString()).isZero();
    assertThat(resumed.out()).contains("2 done earlier", "1 forks submitted now");
    List<JsonNode> state = stateLines("resumed");
    assertThat(state).hasSize(4);
    assertThat(state.get(3).get("original").asText()).isEqualTo(originals.get(2));
    String third = state.get(3).get("fork").asText();

    // A crash after the API made the third fork but before its line was whole in the state file:
    // resumed, the run
    // asks again under the same Idempotency-Key and records the same fork; no second fork is made.
    List<String> lines = Files.readAllLines(dir.resolve("resumed.state"));
    Files.writeString(
        dir.resolve("resumed.state"),
        String.join("\n", lines.subList(0, 3))
            + "\n"
            + lines.get(3).substring(0, lines.get(3).length() / 2));
    Cli afterCrash = cli("missions", "--run", "resumed");
    assertThat(afterCrash.exit()).as(afterCrash.toString()).isZero();
    assertThat(afterCrash.out()).contains("2 done earlier", "1 forks submitted now");
    state = stateLines("resumed");
    assertThat(state).hasSize(4);
    assertThat(state.get(3).get("original").asText()).isEqualTo(originals.get(2));
    assertThat(state.get(3).get("fork").asText()).isEqualTo(third);
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(forksOf(originals.get(2))).containsExactly(third));
    Cli again = cli("missions", "--run", "resumed");
    assertThat(again.out()).contains("0 forks submitted now");
    assertThat(stateLines("resumed")).hasSize(4);

    Cli report = cli("report", "resumed", "--wait", "120");
    assertThat(report.exit()).as(report.toString()).isZero();
    assertThat(report.out())
        .contains("3 pairs, 3 forks finished", "status: 3 the same", "3 rows written");
    List<JsonNode> rows =
        CLICKHOUSE
            .client()
            .query(
                "SELECT * FROM replay_comparisons FINAL WHERE run_id = 'resumed' ORDER BY original_id");
    assertThat(rows).hasSize(3);
    for (JsonNode row : rows) {
      JsonNode original = call("GET", "/api/v1/missions/" + row.get("original_id").asText(), null);
      JsonNode fork = call("GET", "/api/v1/missions/" + row.get("fork_id").asText(), null);
      assertThat(fork.get("rerunOf").asText()).isEqualTo(original.get("missionId").asText());
      assertThat(fork.get("models").toString()).contains(NEW_MODEL);
      assertThat(row.get("fork_status").asText()).isEqualTo("COMPLETED");
      assertThat(row.get("model").asText()).isEqualTo(NEW_MODEL);
      assertThat(row.get("from_step").asText()).isEqualTo("s2");
      assertThat(row.get("original_cost_micros").asLong())
          .isPositive()
          .isEqualTo(original.get("costMicros").asLong());
      assertThat(row.get("fork_cost_micros").asLong())
          .isPositive()
          .isEqualTo(fork.get("costMicros").asLong());
      assertThat(row.get("fork_tokens").asLong()).isEqualTo(fork.at("/usage/totalTokens").asLong());
      // s1 was reused: the fork paid for s2 only, on the cheaper model.
      assertThat(row.get("fork_cost_micros").asLong())
          .isLessThan(row.get("original_cost_micros").asLong());
    }
    assertThat(Files.exists(dir.resolve("resumed.report.json"))).isTrue();
    // Long after the resumed run: still the one fork of the third mission.
    assertThat(forksOf(originals.get(2))).containsExactly(third);

    // A second report writes the same pairs again: still one row per pair.
    assertThat(cli("report", "resumed").exit()).isZero();
    assertThat(
            CLICKHOUSE
                .client()
                .query("SELECT count() AS n FROM replay_comparisons FINAL WHERE run_id = 'resumed'")
                .get(0)
                .get("n")
                .asLong())
        .isEqualTo(3);
  }

  @Test
  void badCommandLines_areUsageErrors_andAnUnknownRunIsNamed() {
    assertThat(cli("missions", "--to", "2026-12-01").exit()).isEqualTo(2);
    assertThat(cli("missions", "--from", "yesterday").err()).contains("--from must be an instant");
    assertThat(cli("missions", "--from", "2026-12-02", "--to", "2026-12-01").err())
        .contains("before --to");
    assertThat(cli("missions", "--from", "2026-12-01", "--rate", "0").err()).contains("--rate");
    assertThat(cli("missions", "--from", "2026-12-01", "--colour", "red").err())
        .contains("unknown option");
    assertThat(cli("report", "no-such-run").err()).contains("no run 'no-such-run'");
  }
}
