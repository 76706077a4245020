package dev.gpilot.api.analytics;

import static dev.gpilot.api.testing.StoredRows.awaitRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.ApiServer;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.jobs.LocalMissionJob;
import dev.gpilot.jobs.MissionJob;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.jobs.agents.Agent;
import dev.gpilot.jobs.agents.AgentReply;
import dev.gpilot.jobs.agents.DeltaListener;
import dev.gpilot.jobs.agents.SimulatedAgent;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.Schemas;
import dev.gpilot.testing.TopicContents;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Not one micro-credit lost or counted twice, on real parts (Kafka broker, ClickHouse, Flink
 * MiniCluster, the API): after missions with retried and failed steps, the cost records on the
 * topic (one per id), the raw rows, the 1-minute rollups, the missions' costs and the breakdown API
 * all add up to exactly what the agents charged, also when the job fails and restores in the middle
 * of the run.
 */
class CostReconciliationITCase {
  private static final Map<String, Principal> TOKENS =
      Map.of(
          "token-plain", new Principal("ws-plain", "tester"),
          "token-restore", new Principal("ws-restore", "tester"),
          "token-empty", new Principal("ws-empty", "tester"));

  @RegisterExtension
  static final ApiServer API =
      ApiServer.builder().tokens(TOKENS).streamWriterThreads(4).clickHouse().build();

  private static final KafkaTestBroker KAFKA = API.kafka();
  private static final ClickHouseTestServer CLICKHOUSE = API.clickhouse();

  /** Calls across the MiniCluster's tasks (same JVM); the crash fires once, at the armed call. */
  static final AtomicInteger CALLS = new AtomicInteger();

  static final AtomicInteger CRASH_AT_CALL = new AtomicInteger(Integer.MAX_VALUE);
  static final AtomicBoolean CRASHED = new AtomicBoolean();

  /** The simulated agent (scripted costs), failing its task once when the armed call comes. */
  static final class CrashingAgent implements Agent {
    private final SimulatedAgent delegate = new SimulatedAgent(0);

    @Override
    public CompletableFuture<AgentReply> call(StepRequest request, DeltaListener deltas) {
      if (CALLS.incrementAndGet() >= CRASH_AT_CALL.get() && CRASHED.compareAndSet(false, true)) {
        // An Error, not an exception: the executor turns exceptions into failed steps, this must
        // fail the task.
        throw new AssertionError("injected failure in the middle of the run");
      }
      return delegate.call(request);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  private static JobClient startJob(String group, Configuration conf) throws Exception {
    MissionJobOptions options =
        MissionJobOptions.fromEnv(
            Map.of(
                "KAFKA_BOOTSTRAP_SERVERS",
                KAFKA.bootstrapServers(),
                "CLICKHOUSE_URL",
                CLICKHOUSE.url(),
                "CLICKHOUSE_DATABASE",
                CLICKHOUSE.database(),
                "GPILOT_JOB_GROUP_ID",
                group,
                "GPILOT_RETRY_BASE_DELAY_MS",
                "50",
                "GPILOT_COST_OUT_OF_ORDERNESS_MS",
                "1000",
                "GPILOT_COST_IDLE_TIMEOUT_MS",
                "1000"));
    return LocalMissionJob.start(new MissionJob(options, CrashingAgent::new), conf);
  }

  private static ObjectNode step(
      ArrayNode steps, String id, String agent, String model, long cost, String... deps) {
    ObjectNode s = steps.addObject().put("id", id).put("agent", agent).put("action", "work " + id);
    deps = deps == null ? new String[0] : deps;
    ArrayNode dependsOn = s.putArray("dependsOn");
    for (String d : deps) {
      dependsOn.add(d);
    }
    ObjectNode simulate = s.putObject("parameters").putObject("simulate");
    simulate
        .put("latencyMs", 30)
        .put("model", model)
        .put("costMicros", cost)
        .put("priceVersion", "test/1");
    simulate
        .putObject("usage")
        .put("promptTokens", 1000 + cost % 97)
        .put("outputTokens", 200)
        .put("thinkingTokens", 50)
        .put("cachedTokens", 100);
    return simulate;
  }

  /**
   * Mission {@code i}: a scout step, a writer retried twice (three paid attempts), a verifier that
   * fails for good (paid), a step skipped after it (free), and an SEO step on another model.
   * Returns what it must cost per agent.
   */
  private static Map<String, Long> submitMission(String token, int i) throws Exception {
    ObjectNode body = Json.mapper().createObjectNode().put("mission", "reconcile " + i);
    ObjectNode config = body.putObject("config").put("failurePolicy", "continue");
    ArrayNode steps = config.putObject("plan").putArray("steps");
    long c1 = 1_000 + i;
    long c2 = 20_000 + 7L * i;
    long c3 = 300 + i;
    long c5 = 55_555 + i;
    step(steps, "scout", "agent-scout", "gemini-2.5-flash", c1);
    step(steps, "write", "content-orchestrator", "gemini-2.5-pro", c2, "scout")
        .put("failAttempts", 2);
    step(steps, "verify", "independent-verifier", "gemini-2.5-flash", c3, "scout")
        .put("error", "facts wrong");
    step(steps, "publish", "content-orchestrator", "gemini-2.5-pro", 999_999, "write", "verify");
    step(steps, "seo", "seo-analyst", "gemini-2.5-flash-lite", c5, "write");
    ApiClient.Response response = API.client(token).post("/api/v1/missions", body.toString());
    assertThat(response.status()).as(response.body()).isEqualTo(202);
    Map<String, Long> expected = new TreeMap<>();
    expected.merge("agent-scout", c1, Long::sum);
    expected.merge("content-orchestrator", 3 * c2, Long::sum);
    expected.merge("independent-verifier", c3, Long::sum);
    expected.merge("seo-analyst", c5, Long::sum);
    return expected;
  }

  private static ApiClient.Response get(String pathAndQuery, String token, String accept)
      throws Exception {
    return API.client(token).get(pathAndQuery, accept);
  }

  /** The cost records of a workspace on the topic, one per id (consumers dedupe by id). */
  private static Map<String, CostRecord> topicRecords(String workspace) {
    JsonCodec<CostRecord> codec = JsonCodec.of(CostRecord.class);
    Map<String, CostRecord> byId = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r :
        TopicContents.read(KAFKA.bootstrapServers(), Topics.COST_RECORDS)) {
      JsonNode json = readTree(r.value());
      assertThat(Schemas.problems("cost-record.v1", json)).isEmpty();
      CostRecord record = codec.decode(r.value());
      assertThat(new String(r.key())).isEqualTo(record.workspaceId());
      if (record.workspaceId().equals(workspace)) {
        CostRecord previous = byId.put(record.id(), record);
        assertThat(previous == null || previous.costMicros() == record.costMicros()).isTrue();
      }
    }
    return byId;
  }

  private static JsonNode readTree(byte[] bytes) {
    try {
      return Json.mapper().readTree(bytes);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static long one(String sql) {
    return CLICKHOUSE.client().query(sql).get(0).fields().next().getValue().asLong();
  }

  /**
   * Waits for the missions to end, then checks every sum against what the agents charged, per agent
   * too.
   */
  private void assertReconciles(
      String workspace,
      String token,
      int missions,
      Map<String, Long> expectedByAgent,
      Instant startedAt)
      throws Exception {
    long expected = expectedByAgent.values().stream().mapToLong(Long::longValue).sum();
    long attempts = missions * 6L; // scout 1, write 3, verify 1, seo 1; publish is skipped
    String ws = "'" + workspace + "'";
    awaitRows(
        CLICKHOUSE,
        Duration.ofSeconds(180),
        "SELECT mission_id, argMax(status, version) AS s, argMax(steps_failed, version) AS f FROM missions"
            + " WHERE workspace_id = "
            + ws
            + " GROUP BY mission_id",
        rows ->
            assertThat(
                    rows.stream()
                        .map(r -> r.get("s").asText() + "/" + r.get("f").asText())
                        .toList())
                .as("status/failed steps of each mission")
                .hasSize(missions)
                .containsOnly("FAILED/1"));

    // Σ mission costs (each mission's summary: every attempt the scheduler saw), and by agent.
    StringBuilder dump = new StringBuilder();
    for (JsonNode row :
        CLICKHOUSE
            .client()
            .query(
                "SELECT mission_id, status, version, cost_micros, agent_costs"
                    + " FROM missions WHERE workspace_id = "
                    + ws
                    + " ORDER BY mission_id, version")) {
      dump.append(row).append('\n');
    }
    Map<String, Long> topicByMission = new TreeMap<>();
    topicRecords(workspace)
        .values()
        .forEach(r -> topicByMission.merge(r.missionId(), r.costMicros(), Long::sum));
    dump.append("topic by mission: ").append(topicByMission);
    assertThat(
            one(
                "SELECT sum(c) FROM (SELECT argMax(cost_micros, version) AS c FROM missions WHERE workspace_id = "
                    + ws
                    + " GROUP BY mission_id)"))
        .as(dump.toString())
        .isEqualTo(expected);
    Map<String, Long> fromSummaries = new TreeMap<>();
    for (JsonNode row :
        CLICKHOUSE
            .client()
            .query(
                "SELECT argMax(agent_costs, version) AS a FROM missions"
                    + " WHERE workspace_id = "
                    + ws
                    + " GROUP BY mission_id")) {
      Json.mapper()
          .readTree(row.get("a").asText())
          .fields()
          .forEachRemaining(e -> fromSummaries.merge(e.getKey(), e.getValue().asLong(), Long::sum));
    }
    assertThat(fromSummaries).isEqualTo(expectedByAgent);

    // Σ topic records (one per id) and Σ raw rows: every attempt, immediately.
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Map<String, CostRecord> records = topicRecords(workspace);
              assertThat(records).hasSize((int) attempts);
              assertThat(records.values().stream().mapToLong(CostRecord::costMicros).sum())
                  .isEqualTo(expected);
              assertThat(one("SELECT count() FROM cost_records FINAL WHERE workspace_id = " + ws))
                  .isEqualTo(attempts);
              assertThat(
                      one(
                          "SELECT sum(cost_micros) FROM cost_records FINAL WHERE workspace_id = "
                              + ws))
                  .isEqualTo(expected);
            });

    // Σ of the breakdown API (raw rows stand in for minutes not rolled up yet), JSON and CSV.
    String range = "?from=" + startedAt.minusSeconds(120) + "&to=" + Instant.now().plusSeconds(120);
    assertBreakdown(token, range, expected, expectedByAgent);

    // Σ rollups: once the windows have fired (the minute ended and the watermark passed it, traffic
    // or not).
    await()
        .atMost(Duration.ofSeconds(150))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(
                      one(
                          "SELECT sum(c) FROM (SELECT argMax(cost_micros, version) AS c FROM cost_rollup_1m"
                              + " WHERE workspace_id = "
                              + ws
                              + " GROUP BY agent, model, window_start, slice)"))
                  .isEqualTo(expected);
              assertThat(
                      one(
                          "SELECT sum(s) FROM (SELECT argMax(steps, version) AS s FROM cost_rollup_1m"
                              + " WHERE workspace_id = "
                              + ws
                              + " GROUP BY agent, model, window_start, slice)"))
                  .isEqualTo(attempts);
            });
    assertThat(
            one(
                "SELECT sum(e) FROM (SELECT argMax(errors, version) AS e FROM cost_rollup_1m WHERE workspace_id = "
                    + ws
                    + " GROUP BY agent, model, window_start, slice)"))
        .isEqualTo(missions * 3L);
    // The API again, now from the rollups (the raw rows are past the minutes the windows closed).
    assertBreakdown(token, range, expected, expectedByAgent);
  }

  private void assertBreakdown(
      String token, String range, long expected, Map<String, Long> expectedByAgent)
      throws Exception {
    ApiClient.Response json = get("/api/v1/analytics/agent-costs" + range, token, null);
    assertThat(json.status()).as(json.body()).isEqualTo(200);
    JsonNode rows = Json.mapper().readTree(json.body());
    Map<String, Long> byAgent = new TreeMap<>();
    BigDecimal percent = BigDecimal.ZERO;
    long previous = Long.MAX_VALUE;
    for (JsonNode row : rows) {
      byAgent.put(row.get("agent").asText(), row.get("totalCostMicros").asLong());
      percent = percent.add(row.get("percentage").decimalValue());
      assertThat(row.get("totalCostMicros").asLong()).isLessThanOrEqualTo(previous);
      previous = row.get("totalCostMicros").asLong();
    }
    assertThat(byAgent).isEqualTo(expectedByAgent);
    assertThat(percent).isEqualByComparingTo("100");

    ApiClient.Response csv = get("/api/v1/analytics/agent-costs" + range, token, "text/csv");
    assertThat(csv.status()).isEqualTo(200);
    assertThat(csv.headers().firstValue("content-type").orElse("")).startsWith("text/csv");
    List<String> lines = csv.body().lines().toList();
    assertThat(lines.get(0)).isEqualTo(AnalyticsRoutes.CSV_HEADER);
    assertThat(
            lines.subList(1, lines.size()).stream()
                .mapToLong(l -> Long.parseLong(l.split(",")[1]))
                .sum())
        .isEqualTo(expected);
  }

  @Test
  void missionsWithRetriesAndFailures_everySumAgreesToTheMicroCredit() throws Exception {
    Instant startedAt = Instant.now();
    JobClient job =
        startJob(
            "plain",
            LocalMissionJob.localConfiguration(Files.createTempDirectory("chk"), 2, 0, 1000));
    try {
      int missions = 8;
      Map<String, Long> expected = new TreeMap<>();
      for (int i = 0; i < missions; i++) {
        submitMission("token-plain", i)
            .forEach((agent, cost) -> expected.merge(agent, cost, Long::sum));
      }
      assertReconciles("ws-plain", "token-plain", missions, expected, startedAt);

      // Another workspace sees nothing of these costs.
      ApiClient.Response other = get("/api/v1/analytics/agent-costs", "token-empty", null);
      assertThat(other.status()).isEqualTo(200);
      assertThat(Json.mapper().readTree(other.body())).isEmpty();
    } finally {
      job.cancel().get();
    }
  }

  @Test
  void jobFailsAndRestoresMidRun_everySumStillAgreesToTheMicroCredit() throws Exception {
    Instant startedAt = Instant.now();
    Configuration conf =
        LocalMissionJob.localConfiguration(Files.createTempDirectory("chk"), 2, 0, 300);
    conf.setString("restart-strategy.type", "fixed-delay");
    conf.setString("restart-strategy.fixed-delay.attempts", "3");
    conf.setString("restart-strategy.fixed-delay.delay", "500 ms");
    CALLS.set(0);
    CRASHED.set(false);
    // About half-way through the run's 12 x 12 = 144 calls (the writer's failed attempts are called
    // 4 times each),
    // after a few checkpoints; depending on the timing, on the task thread or on the executor's
    // retry timer.
    CRASH_AT_CALL.set(72);
    JobClient job = startJob("restore", conf);
    try {
      int missions = 12;
      Map<String, Long> expected = new TreeMap<>();
      for (int i = 0; i < missions; i++) {
        submitMission("token-restore", 100 + i)
            .forEach((agent, cost) -> expected.merge(agent, cost, Long::sum));
        Thread.sleep(250);
      }
      assertReconciles("ws-restore", "token-restore", missions, expected, startedAt);
      assertThat(CRASHED.get()).as("the injected failure happened").isTrue();
    } finally {
      job.cancel().get();
    }
  }
}
