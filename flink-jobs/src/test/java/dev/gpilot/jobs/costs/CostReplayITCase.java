package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.PriceVersions;
import dev.gpilot.contracts.TopicAdmin;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.agents.AgentCatalog;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.JobClients;
import dev.gpilot.jobs.LocalMissionJob;
import dev.gpilot.jobs.MissionJob;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.testing.ChildJvm;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays on real parts (Kafka broker, ClickHouse, Flink): a live cost pipeline (streaming, as in
 * the MissionJob) writes the costs of step results priced by a two-version price table; then {@link
 * CostReplayJob} runs in a JVM of its own, in BATCH mode, reading only the topic and ClickHouse:
 *
 * <ul>
 *   <li>with the live table it reproduces the live raw rows (every column) and rollups (per minute
 *       and key) exactly;
 *   <li>run again, it leaves the same rows; read from ClickHouse's raw rows instead of the topic,
 *       the same rows;
 *   <li>with a changed table every attempt costs what the new prices say (computed here
 *       independently, in decimal), provider-reported costs and attempts without a model unchanged,
 *       and its differences file says so;
 *   <li>a dry run prints and saves the same differences and writes nothing to ClickHouse.
 * </ul>
 */
class CostReplayITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  @TempDir static Path home;

  private static final AgentCatalog CATALOG = AgentCatalog.shipped();
  private static final String[] AGENTS = {
    "agent-scout", "seo-analyst", "independent-verifier", "ui-auditor"
  };

  /** Now minus 20 minutes, on a whole minute; the new version takes over 10 minutes later. */
  private static final long START = (System.currentTimeMillis() / 60_000 - 20) * 60_000;

  private static final Instant SWITCH = Instant.ofEpochMilli(START + 10 * 60_000);

  /** Credits per million tokens: {model: {version: [input, cachedInput, output, thinking]}}. */
  private static final Map<String, Map<String, String[]>> LIVE =
      Map.of(
          "gemini-2.5-flash*",
          versions(
              credits("0.30", "0.03", "2.50", "2.50"), credits("0.35", "0.035", "3.00", "3.00")),
          "gemini-2.5-pro*",
          versions(
              credits("1.25", "0.125", "10.00", "10.00"),
              credits("1.25", "0.125", "10.00", "10.00")),
          "gemini-2.5-flash-lite*",
          versions(
              credits("0.10", "0.01", "0.40", "0.40"), credits("0.10", "0.01", "0.40", "0.40")));

  private static final Map<String, Map<String, String[]>> CHANGED =
      Map.of(
          "gemini-2.5-flash*",
          versions(
              credits("0.30", "0.03", "2.50", "2.50"),
              credits("0.37", "0.041", "4.10", "1.999999")),
          "gemini-2.5-pro*",
          versions(
              credits("1.50", "0.125", "10.00", "10.00"),
              credits("1.25", "0.125", "10.00", "10.00")),
          "gemini-2.5-flash-lite*",
          versions(
              credits("0.10", "0.01", "0.40", "0.40"), credits("0.10", "0.01", "0.40", "0.40")));

  /** One version's credits per million tokens: input, cached input, output, thinking. */
  private static String[] credits(
      String input, String cachedInput, String output, String thinking) {
    return new String[] {input, cachedInput, output, thinking};
  }

  private static Map<String, String[]> versions(String[] v1, String[] v2) {
    return Map.of("v1", v1, "v2", v2);
  }

  private static ClickHouseClient ch;
  private static Path livePrices;
  private static Path changedPrices;
  private static final List<StepResult> RESULTS = new ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    ch = CLICKHOUSE.client();
    TopicAdmin.ensureTopics(KAFKA.bootstrapServers());
    livePrices = home.resolve("live-prices.json");
    changedPrices = home.resolve("changed-prices.json");
    Files.writeString(livePrices, book(LIVE, "v2"));
    Files.writeString(changedPrices, book(CHANGED, "v2b"));
  }

  /** A price file of two versions: v1 from 2020, {@code v2} from {@link #SWITCH}. */
  private static String book(Map<String, Map<String, String[]>> prices, String v2) {
    return "{\"tables\": ["
        + table(prices, "v1", "v1", "2020-01-01")
        + ", "
        + table(prices, "v2", v2, SWITCH.toString())
        + "]}";
  }

  private static String table(
      Map<String, Map<String, String[]>> prices, String key, String name, String from) {
    StringBuilder json =
        new StringBuilder(
            "{\"version\": \"" + name + "\", \"effectiveFrom\": \"" + from + "\", \"prices\": [");
    String sep = "";
    for (var e : new TreeMap<>(prices).entrySet()) {
      String[] p = e.getValue().get(key);
      json.append(sep)
          .append("{\"id\": \"")
          .append(e.getKey().replace("*", ""))
          .append("\", \"model\": \"")
          .append(e.getKey())
          .append("\", \"effectiveFrom\": \"2020-01-01\", \"input\": \"")
          .append(p[0])
          .append("\", \"cachedInput\": \"")
          .append(p[1])
          .append("\", \"output\": \"")
          .append(p[2])
          .append("\", \"thinking\": \"")
          .append(p[3])
          .append("\"}");
      sep = ", ";
    }
    return json.append("]}").toString();
  }

  /**
   * What an attempt costs under {@code prices}, computed apart from the production code: Σ tokens ×
   * credits per million tokens = micro-credits, rounded half up.
   */
  private static long expectedCost(Map<String, Map<String, String[]>> prices, StepResult r) {
    if (r.model() == null || r.usage() == null || r.priceVersion() == null) {
      return r.costMicros(); // nothing to price, or a provider-reported cost: kept
    }
    String model = CATALOG.get(r.agent()).model();
    String pattern =
        prices.keySet().stream()
            .filter(p -> model.startsWith(p.replace("*", "")))
            .max((a, b) -> Integer.compare(a.length(), b.length()))
            .orElseThrow();
    String[] p = prices.get(pattern).get(r.finishedAt() >= SWITCH.toEpochMilli() ? "v2" : "v1");
    Usage u = r.usage();
    BigDecimal micros =
        new BigDecimal(u.promptTokens() - u.cachedTokens())
            .multiply(new BigDecimal(p[0]))
            .add(new BigDecimal(u.cachedTokens()).multiply(new BigDecimal(p[1])))
            .add(new BigDecimal(u.outputTokens()).multiply(new BigDecimal(p[2])))
            .add(new BigDecimal(u.thinkingTokens()).multiply(new BigDecimal(p[3])));
    return micros.setScale(0, RoundingMode.HALF_UP).longValueExact();
  }

  /**
   * 200 missions over 20 minutes, priced as the executor prices (the version in force at the
   * finish): retried attempts, failures without a model, provider-reported costs, and re-sent
   * results (the topic is at-least-once). Each partition gets its results in finish order, a
   * mission's attempts at distinct times.
   */
  private static void writeStepResults() throws Exception {
    PriceTable prices = PriceTable.fromFile(livePrices);
    Random random = new Random(21);
    List<StepResult> all = new ArrayList<>();
    for (int m = 0; m < 200; m++) {
      String mission = UUID.randomUUID().toString();
      long t = START + random.nextInt(19 * 60_000);
      for (int s = 0; s < 4; s++) {
        String agent = AGENTS[random.nextInt(AGENTS.length)];
        int attempts = random.nextInt(5) == 0 ? 2 : 1;
        for (int a = 1; a <= attempts; a++) {
          t += 1 + random.nextInt(4_000);
          long finished = Math.min(t, START + 20 * 60_000 - 1);
          boolean ok = a == attempts && random.nextInt(8) != 0;
          int kind = random.nextInt(20);
          StepResult r;
          if (kind == 0) { // failed before reaching a model
            r =
                StepResult.failed(
                    mission,
                    "ws-" + (m % 3),
                    "s" + s,
                    a,
                    agent,
                    "no key",
                    finished - 5,
                    finished,
                    true);
          } else {
            Usage usage =
                new Usage(
                    500 + random.nextInt(300_000),
                    random.nextInt(900),
                    random.nextInt(2_000),
                    random.nextInt(400));
            String model = CATALOG.get(agent).model() + (random.nextBoolean() ? "" : "-001");
            if (kind == 1) { // a provider that reported its own cost
              r =
                  new StepResult(
                      mission,
                      "ws-" + (m % 3),
                      "s" + s,
                      a,
                      agent,
                      ok,
                      null,
                      ok ? null : "x",
                      finished - 900,
                      finished,
                      model,
                      usage,
                      777 + m,
                      null,
                      !ok);
            } else {
              var price =
                  prices
                      .find(CATALOG.get(agent).model(), Instant.ofEpochMilli(finished))
                      .orElseThrow();
              r =
                  new StepResult(
                      mission,
                      "ws-" + (m % 3),
                      "s" + s,
                      a,
                      agent,
                      ok,
                      ok ? Json.mapper().createObjectNode().put("text", "ok") : null,
                      ok ? null : "boom",
                      finished - 900,
                      finished,
                      model,
                      usage,
                      price.costMicros(usage),
                      price.priceVersion(),
                      !ok);
            }
          }
          all.add(r);
        }
      }
    }
    all.sort((a, b) -> Long.compare(a.finishedAt(), b.finishedAt()));
    RESULTS.addAll(all);
    JsonCodec<StepResult> codec = JsonCodec.of(StepResult.class);
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      int i = 0;
      for (StepResult r : all) {
        producer
            .send(new ProducerRecord<>(Topics.STEP_RESULTS, r.missionId(), codec.encode(r)))
            .get();
        if (i++ % 13 == 0) { // re-sent, as after a restore
          producer
              .send(new ProducerRecord<>(Topics.STEP_RESULTS, r.missionId(), codec.encode(r)))
              .get();
        }
      }
    }
  }

  private static long one(String sql) {
    return ch.query(sql).get(0).fields().next().getValue().asLong();
  }

  private static List<String> rawRows(String table) {
    return ch.query("SELECT * FROM " + table + " FINAL ORDER BY workspace_id, id").stream()
        .map(JsonNode::toString)
        .toList();
  }

  /**
   * The rollups per (workspace, minute, agent, model), summed over slices (a live late record has
   * its own).
   */
  private static List<String> rollups(String table) {
    return ch
        .query(
            "SELECT workspace_id, toUInt32(window_start) AS w, agent, model, sum(steps) AS s,"
                + " sum(missions) AS m, sum(agent_missions) AS am, sum(errors) AS e, sum(prompt_tokens) AS p,"
                + " sum(output_tokens) AS o, sum(thinking_tokens) AS t, sum(cached_tokens) AS c, sum(cost_micros) AS cost,"
                + " sum(latency_sum_ms) AS l, max(latency_max_ms) AS lm FROM "
                + table
                + " FINAL"
                + " GROUP BY workspace_id, w, agent, model ORDER BY workspace_id, w, agent, model")
        .stream()
        .map(JsonNode::toString)
        .toList();
  }

  @Test
  void
      replayInItsOwnProcess_reproducesTheLiveRowsExactly_isIdempotent_andPricesChangesToTheMicroCredit()
          throws Exception {
    writeStepResults();
    long attempts = RESULTS.size();
    long liveTotal = RESULTS.stream().mapToLong(StepResult::costMicros).sum();
    // The live prices, checked apart from the production code.
    assertThat(RESULTS.stream().mapToLong(r -> expectedCost(LIVE, r)).sum()).isEqualTo(liveTotal);

    // The live pipeline, streaming, as in the MissionJob (its step-results source, event time,
    // checkpoints).
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
                "live-costs",
                "GPILOT_COST_OUT_OF_ORDERNESS_MS",
                "1000",
                "GPILOT_COST_IDLE_TIMEOUT_MS",
                "1000"));
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(
            LocalMissionJob.localConfiguration(home.resolve("chk"), 2, 0, 1000));
    CostPipeline.attach(MissionJob.stepResults(env, options), options);
    JobClient live = env.executeAsync("live-costs");
    try {
      await()
          .atMost(Duration.ofSeconds(180))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                assertThat(one("SELECT count() FROM cost_records FINAL")).isEqualTo(attempts);
                assertThat(one("SELECT sum(cost_micros) FROM cost_rollup_1m FINAL"))
                    .isEqualTo(liveTotal);
                assertThat(one("SELECT sum(steps) FROM cost_rollup_1m FINAL")).isEqualTo(attempts);
              });
    } finally {
      JobClients.cancelAndAwait(live);
    }
    List<String> liveRaw = rawRows(CostRows.RAW_TABLE);
    List<String> liveRollups = rollups(CostRows.ROLLUP_TABLE);
    String from = Instant.ofEpochMilli(START).toString();
    String to = Instant.ofEpochMilli(START + 20 * 60_000).toString();

    // 1. The live table, in another JVM: the same rows, to the micro-credit.
    Child first = replay("--from", from, "--to", to, "--as", "live-check");
    assertThat(first.exitCode()).as(first.output()).isZero();
    assertThat(first.output())
        .contains("read ")
        .contains("records/s")
        .contains("/ " + String.format("%,d", attempts + (attempts + 12) / 13));
    assertThat(rawRows(PriceVersions.rawTable("live-check"))).isEqualTo(liveRaw);
    assertThat(rollups(PriceVersions.rollupTable("live-check"))).isEqualTo(liveRollups);
    assertThat(
            one(
                "SELECT count() FROM "
                    + PriceVersions.rollupTable("live-check")
                    + " WHERE slice != ''"))
        .isZero();

    // 2. The same replay again: the same rows (they replace themselves), one version entry.
    Child second = replay("--from", from, "--to", to, "--as", "live-check");
    assertThat(second.exitCode()).as(second.output()).isZero();
    assertThat(rawRows(PriceVersions.rawTable("live-check"))).isEqualTo(liveRaw);
    assertThat(rollups(PriceVersions.rollupTable("live-check"))).isEqualTo(liveRollups);
    assertThat(PriceVersions.list(ch))
        .extracting(PriceVersions.Entry::version)
        .containsExactly("live-check");
    // (the raw-rows replay below adds "from-raw")
    assertThat(PriceVersions.find(ch, "live-check").orElseThrow().records()).isEqualTo(attempts);

    // 2b. History older than the topic: the same from ClickHouse's raw rows alone.
    Child fromRaw =
        replay("--from", from, "--to", to, "--as", "from-raw", "--source", "clickhouse");
    assertThat(fromRaw.exitCode()).as(fromRaw.output()).isZero();
    assertThat(fromRaw.output()).contains(String.format("%,d raw rows", attempts));
    assertThat(rawRows(PriceVersions.rawTable("from-raw"))).isEqualTo(liveRaw);
    assertThat(rollups(PriceVersions.rollupTable("from-raw"))).isEqualTo(liveRollups);

    // 3. Changed prices: every attempt at the new prices; the live rows untouched.
    Map<String, long[]> expected = new TreeMap<>(); // agent/model → attempts, old, new
    long changedTotal = 0;
    for (StepResult r : RESULTS) {
      long cost = expectedCost(CHANGED, r);
      changedTotal += cost;
      long[] e =
          expected.computeIfAbsent(
              r.agent() + "/" + (r.model() == null ? "" : r.model()), k -> new long[3]);
      e[0]++;
      e[1] += r.costMicros();
      e[2] += cost;
    }
    assertThat(changedTotal).isNotEqualTo(liveTotal);
    Path diffFile = home.resolve("changed.diff.json");
    Child changed =
        replay(
            "--from",
            from,
            "--to",
            to,
            "--prices",
            changedPrices.toString(),
            "--as",
            "changed",
            "--diff-file",
            diffFile.toString());
    assertThat(changed.exitCode()).as(changed.output()).isZero();
    String changedRaw = PriceVersions.rawTable("changed");
    for (StepResult r : RESULTS) {
      assertThat(
              one("SELECT cost_micros FROM " + changedRaw + " FINAL WHERE id = '" + r.id() + "'"))
          .as(r.id())
          .isEqualTo(expectedCost(CHANGED, r));
    }
    assertThat(
            one("SELECT sum(cost_micros) FROM " + PriceVersions.rollupTable("changed") + " FINAL"))
        .isEqualTo(changedTotal);
    assertThat(rawRows(CostRows.RAW_TABLE)).isEqualTo(liveRaw);
    assertThat(diff(diffFile)).isEqualTo(expected);

    // 4. A dry run of the same change: the same differences, printed and saved; nothing written to
    // ClickHouse.
    Path dryFile = home.resolve("dry.diff.json");
    Child dry =
        replay(
            "--from",
            from,
            "--to",
            to,
            "--prices",
            changedPrices.toString(),
            "--as",
            "dry",
            "--dry-run",
            "--diff-file",
            dryFile.toString());
    assertThat(dry.exitCode()).as(dry.output()).isZero();
    assertThat(dry.output()).contains("dry run:").contains("nothing written");
    assertThat(diff(dryFile)).isEqualTo(expected);
    assertThat(one("EXISTS TABLE " + PriceVersions.rawTable("dry"))).isZero();
    assertThat(PriceVersions.find(ch, "dry")).isEmpty();
  }

  /**
   * A differences file as agent/model → attempts, old, new (checking each row's delta on the way).
   */
  private static Map<String, long[]> diff(Path file) throws Exception {
    JsonNode json = Json.mapper().readTree(Files.readString(file));
    Map<String, long[]> rows = new TreeMap<>();
    for (JsonNode r : json.get("rows")) {
      assertThat(r.get("deltaMicros").asLong())
          .isEqualTo(r.get("newCostMicros").asLong() - r.get("oldCostMicros").asLong());
      rows.put(
          r.get("agent").asText() + "/" + r.get("model").asText(),
          new long[] {
            r.get("attempts").asLong(),
            r.get("oldCostMicros").asLong(),
            r.get("newCostMicros").asLong()
          });
    }
    return new TreeMap<>(rows) {
      @Override
      public boolean equals(Object o) {
        return o instanceof Map<?, ?> m
            && m.size() == size()
            && entrySet().stream()
                .allMatch(
                    e ->
                        m.get(e.getKey()) instanceof long[] v
                            && java.util.Arrays.equals(v, e.getValue()));
      }
    };
  }

  private record Child(int exitCode, String output) {}

  /** {@link CostReplayJob} in a new JVM with this test's classpath and Flink's JVM options. */
  private static Child replay(String... args) throws Exception {
    List<String> jvmOptions = new ArrayList<>(List.of("-Xmx512m"));
    jvmOptions.addAll(ChildJvm.moduleOptions());
    List<String> command = ChildJvm.command(home, jvmOptions, CostReplayJob.class, args);
    Path output = home.resolve("replay-" + UUID.randomUUID() + ".out");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    Map<String, String> env = builder.environment();
    env.put("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers());
    env.put("CLICKHOUSE_URL", CLICKHOUSE.url());
    env.put("CLICKHOUSE_DATABASE", CLICKHOUSE.database());
    env.put(PriceTable.ENV, livePrices.toString());
    env.put("GPILOT_STATE_DIR", home.resolve("state").toString());
    Process process = builder.start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("the replay did not end in 5 minutes: " + Files.readString(output));
    }
    return new Child(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
  }
}
