package dev.gpilot.api.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.Sha256;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.TopicContents;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The stack as {@code ./gpilot up} runs it, each service a process of its own, restarted and killed
 * the way users and crashes do it, with a workspace key stored in the vault: what one process wrote
 * (topics, ClickHouse, the vault's keyset, checkpoints) is read back by fresh processes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StackRestartITCase {
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final JsonCodec<CostRecord> COST_RECORDS = JsonCodec.of(CostRecord.class);

  /**
   * Four model steps side by side, a join and one after it; the side-by-side steps by four agents:
   * attempts of one agent that finish together may reach the topic in another order than their
   * finish times, and then the live and the BATCH cost pipeline mark another of them as the
   * mission's first (SPEC.md section 8, Replays), which the rebuild below would show.
   */
  private static final String PLAN =
      "{\"steps\":["
          + "{\"id\":\"a\",\"agent\":\"agent-scout\",\"action\":\"research\"},"
          + "{\"id\":\"b\",\"agent\":\"seo-analyst\",\"action\":\"score\"},"
          + "{\"id\":\"c\",\"agent\":\"genesis-architect\",\"action\":\"design\"},"
          + "{\"id\":\"d\",\"agent\":\"independent-verifier\",\"action\":\"check\"},"
          + "{\"id\":\"join\",\"agent\":\"content-orchestrator\",\"action\":\"write\",\"dependsOn\":[\"a\",\"b\",\"c\",\"d\"]},"
          + "{\"id\":\"last\",\"agent\":\"independent-verifier\",\"action\":\"verify\",\"dependsOn\":[\"join\"]}]}";

  private static final Instant STARTED = Instant.now();
  private static GpilotStack stack;
  private static String storedKey;
  private static final List<EventFollower> followers = new ArrayList<>();

  @BeforeAll
  static void up() throws Exception {
    stack =
        GpilotStack.create(
            "stack",
            CLICKHOUSE,
            // Slow enough that missions are in flight when a process goes down; checkpoints often.
            Map.of("GPILOT_SIM_LATENCY_MS", "800", "GPILOT_CHECKPOINT_INTERVAL_MS", "1000"));
    stack.up();
    storedKey = "AIzaStored-" + UUID.randomUUID();
    HttpResponse<String> put =
        send(
            "PUT",
            "/api/v1/vault/secrets/gemini",
            Json.mapper().createObjectNode().put("value", storedKey).toString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    assertThat(put.body()).doesNotContain(storedKey);
  }

  @AfterAll
  static void down() {
    followers.forEach(EventFollower::close);
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  void storedVaultKey_isWhatTheJobProcessCallsWith_beforeAndAfterDownAndUp() throws Exception {
    assertCompletes(submit(PLAN));
    assertEveryModelCallUsedTheStoredKey();

    stack.down();
    stack.up();

    assertCompletes(submit(PLAN));
    assertEveryModelCallUsedTheStoredKey();
  }

  @Test
  @Order(2)
  void theJob_yieldsTheCpu_inItsProcessAndInItsSessionsSchedulerGroup() throws Exception {
    long job = stack.pid("job");
    String stat = Files.readString(Path.of("/proc/" + job + "/stat"));
    // Field 19 is the nice value; the fields after the command's closing parenthesis start at 3.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    assertThat(fields[19 - 3]).isEqualTo("19");
    // Where the kernel groups sessions (autogroup), a nice value orders threads within the group
    // only: the job's session's group must yield too, or it takes a group's share of the cores.
    Path autogroup = Path.of("/proc/" + job + "/autogroup");
    if (Files.exists(autogroup)) {
      assertThat(Files.readString(autogroup)).endsWith("nice 19\n");
      assertThat(Files.readString(Path.of("/proc/" + stack.pid("api") + "/autogroup")))
          .endsWith("nice 0\n");
    }
  }

  /**
   * An integration's producer may compress its batches (SPEC.md section 3 leaves that to it): the
   * job's own process reads each codec Kafka has. Its run classpath once lacked the codecs' jars,
   * which only its in-JVM tests had, and one lz4 batch stopped every mission.
   */
  @Test
  @Order(2)
  void missionsAnIntegrationWritesCompressed_runInTheJobsProcess_withEachCodec() throws Exception {
    Map<String, String> missions = new TreeMap<>();
    for (String codec : List.of("gzip", "snappy", "lz4", "zstd")) {
      Properties props = new Properties();
      props.put("bootstrap.servers", stack.kafkaBootstrap());
      props.put("acks", "all");
      props.put("enable.idempotence", "true");
      props.put("compression.type", codec);
      String missionId = UUID.randomUUID().toString();
      String record =
          "{\"type\":\"mission.submitted\",\"version\":1,\"id\":\""
              + missionId
              + "\",\"missionId\":\""
              + missionId
              + "\",\"workspaceId\":\"default\",\"ts\":"
              + System.currentTimeMillis()
              + ",\"mission\":\"written with "
              + codec
              + "\",\"config\":{\"explicitAgents\":[\"agent-scout\"]},\"submittedBy\":\"crm-sync\"}";
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>(Topics.MISSIONS, missionId, record)).get();
      }
      missions.put(codec, missionId);
    }
    for (String missionId : missions.values()) {
      assertCompletes(missionId);
    }
  }

  @Test
  @Order(2)
  void submitCommand_printsThePlanStepAsTheOverseers_andFollowsToTheEnd() {
    String out =
        stack.run(
            Duration.ofMinutes(2), "submit", "Plan a product launch", "agent-scout", "seo-analyst");

    assertThat(out)
        .containsPattern(
            "(?m)^\\s*\\d+\\s+step\\.completed\\s+_plan\\s+mission-overseer\\s+planned$");
    assertThat(out).containsPattern("(?m)^\\s*\\d+\\s+mission\\.completed\\s+COMPLETED");
  }

  @Test
  @Order(3)
  void missionsInFlight_finishWithEveryEventOnce_throughJobKillApiRestartAndBrokerRestart()
      throws Exception {
    List<EventFollower> wave = new ArrayList<>();

    wave.addAll(submitWave(6));
    awaitSomeStepsDone(wave);
    stack.kill("job");
    stack.up(); // resumes from the newest checkpoint

    List<EventFollower> second = submitWave(4);
    wave.addAll(second);
    awaitSomeStepsDone(second);
    stack.down("api"); // open streams are cut; their clients reconnect with ?after=
    stack.up();

    List<EventFollower> third = submitWave(4);
    wave.addAll(third);
    awaitSomeStepsDone(third);
    stack.down("kafka");
    stack.up();

    long streamedCost = 0;
    for (EventFollower follower : wave) {
      assertThat(follower.awaitFinal(Duration.ofMinutes(4)))
          .as("final event of %s\n%s", follower.missionId(), stack.logTails())
          .isTrue();
      List<JsonNode> events = follower.events();
      assertThat(events.get(events.size() - 1).path("type").asText())
          .isEqualTo("mission.completed");
      assertThat(events.stream().map(e -> e.path("seq").asLong()).toList())
          .as("seqs %s received (connections: %d)", follower.missionId(), follower.connections())
          .isEqualTo(java.util.stream.LongStream.rangeClosed(1, events.size()).boxed().toList());
      // A completed step never ran again: one completion per step, one start per attempt.
      Map<String, Long> completions =
          events.stream()
              .filter(e -> e.path("type").asText().equals("step.completed"))
              .collect(
                  Collectors.groupingBy(e -> e.path("stepId").asText(), Collectors.counting()));
      assertThat(completions)
          .as("completions by step")
          .hasSize(6)
          .allSatisfy((step, n) -> assertThat(n).isEqualTo(1));
      assertThat(
              events.stream()
                  .filter(e -> e.path("type").asText().equals("step.started"))
                  .map(e -> e.path("stepId").asText() + "#" + e.path("attempt").asInt())
                  .toList())
          .doesNotHaveDuplicates();
      long missionCost =
          events.stream()
              .filter(e -> e.path("type").asText().startsWith("step."))
              .mapToLong(e -> e.path("costMicros").asLong(0))
              .sum();
      JsonNode view =
          Json.mapper()
              .readTree(send("GET", "/api/v1/missions/" + follower.missionId(), null).body());
      assertThat(view.path("status").asText()).isEqualTo("COMPLETED");
      assertThat(view.path("costMicros").asLong()).isEqualTo(missionCost);
      streamedCost += missionCost;
    }
    assertThat(wave.stream().mapToInt(EventFollower::connections).max().orElse(0))
        .as("some streams were cut and resumed")
        .isGreaterThan(1);
    assertEveryModelCallUsedTheStoredKey();
    assertNoStepCalledAfterItCompleted(wave);
    assertCostsReconcile(wave, streamedCost);
  }

  /**
   * {@code replay rebuild} and {@code replay costs} as a user runs them, processes of their own
   * with the job's classpath, over the history of this class (a job killed with missions in flight,
   * its events after the checkpoint written again with other times; the API and the broker
   * restarted): the rebuilt tables equal what the live processes wrote, and re-priced with the
   * prices in force every attempt counts once at the cost it had live.
   */
  @Test
  @Order(4)
  void replayRebuildAndCosts_processesOfTheirOwn_afterTheKillsAndRestarts_matchTheLiveTables()
      throws Exception {
    // Whole minutes, as the rollups are compared: from the class's first minute to the one after
    // the last step finished, once the live 1-minute windows have fired (their watermark moves on
    // 5 s after the minute, and 10 s after traffic stops).
    Instant from = STARTED.truncatedTo(ChronoUnit.MINUTES);
    Instant to = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
    Thread.sleep(Duration.between(Instant.now(), to.plusSeconds(20)).toMillis());

    String rebuilt =
        stack.run(
            Duration.ofMinutes(3),
            "replay",
            "rebuild",
            "--from",
            from.toString(),
            "--to",
            to.toString());
    for (String table : List.of("mission_events", "missions", "cost_records", "cost_rollup_1m")) {
      assertThat(rebuilt)
          .containsPattern("(?m)^\\s*" + table + "\\s+[1-9][\\d,]* live rows.*: identical$");
    }

    String repriced =
        stack.run(
            Duration.ofMinutes(3),
            "replay",
            "costs",
            "--from",
            from.toString(),
            "--to",
            to.toString(),
            "--dry-run");
    Matcher total =
        Pattern.compile("(?m)^\\*\\s+\\*\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(-?\\d+)$")
            .matcher(repriced);
    assertThat(total.find()).as(repriced).isTrue();
    String range =
        " FROM cost_records FINAL WHERE finished_at_ms >= "
            + from.toEpochMilli()
            + " AND finished_at_ms < "
            + to.toEpochMilli();
    assertThat(Long.parseLong(total.group(1)))
        .as("attempts")
        .isEqualTo(one("SELECT count()" + range));
    assertThat(Long.parseLong(total.group(2)))
        .as("recorded cost")
        .isEqualTo(one("SELECT sum(cost_micros)" + range));
    assertThat(total.group(3)).as("re-priced cost").isEqualTo(total.group(2));
    assertThat(total.group(4)).as("delta").isEqualTo("0");
  }

  /**
   * No model call for a step after its {@code step.completed}, across the job's kill -9 and
   * restore: the Gemini stand-in logs every call with the mission, step and attempt the job sent in
   * its headers.
   */
  private static void assertNoStepCalledAfterItCompleted(List<EventFollower> wave)
      throws Exception {
    Map<String, Long> completedAt = new HashMap<>();
    for (EventFollower follower : wave) {
      follower.events().stream()
          .filter(e -> e.path("type").asText().equals("step.completed"))
          .forEach(
              e ->
                  completedAt.put(
                      follower.missionId() + "/" + e.path("stepId").asText(),
                      e.path("ts").asLong()));
    }
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(stack.standin("/admin/calls")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    List<String> ofTheWave = new ArrayList<>();
    List<String> afterCompleted = new ArrayList<>();
    for (JsonNode call : Json.mapper().readTree(response.body()).path("calls")) {
      Long done =
          completedAt.get(call.path("missionId").asText() + "/" + call.path("stepId").asText());
      if (done != null) {
        ofTheWave.add(call.toString());
        if (call.path("at").asLong() > done) {
          afterCompleted.add(call + " (completed at " + done + ")");
        }
      }
    }
    assertThat(ofTheWave)
        .as("the stand-in's calls for the wave's steps")
        .hasSizeGreaterThanOrEqualTo(completedAt.size());
    assertThat(afterCompleted).as("calls made after their step completed").isEmpty();
  }

  /**
   * The cost-records topic (one per id), ClickHouse's raw rows and mission totals, and the streams
   * agree.
   */
  private static void assertCostsReconcile(List<EventFollower> wave, long streamedCost)
      throws Exception {
    List<String> ids = wave.stream().map(EventFollower::missionId).toList();
    String in = ids.stream().map(id -> "'" + id + "'").collect(Collectors.joining(",", "(", ")"));
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Map<String, Long> topic = new TreeMap<>();
              costRecords().values().stream()
                  .filter(r -> ids.contains(r.missionId()))
                  .forEach(r -> topic.merge(r.missionId(), r.costMicros(), Long::sum));
              assertThat(topic.values().stream().mapToLong(Long::longValue).sum())
                  .as("cost-records topic")
                  .isEqualTo(streamedCost);
              assertThat(
                      one(
                          "SELECT sum(cost_micros) FROM cost_records FINAL WHERE mission_id IN "
                              + in))
                  .as("raw cost rows")
                  .isEqualTo(streamedCost);
              assertThat(
                      one(
                          "SELECT sum(c) FROM (SELECT argMax(cost_micros, version) AS c FROM missions WHERE mission_id IN "
                              + in
                              + " GROUP BY mission_id)"))
                  .as("mission totals")
                  .isEqualTo(streamedCost);
            });
  }

  private static Map<String, CostRecord> costRecords() {
    Map<String, CostRecord> byId = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record :
        TopicContents.read(stack.kafkaBootstrap(), Topics.COST_RECORDS)) {
      CostRecord cost = COST_RECORDS.decode(record.value());
      CostRecord previous = byId.put(cost.id(), cost);
      assertThat(previous == null || previous.costMicros() == cost.costMicros())
          .as("a re-sent cost record %s has the same cost", cost.id())
          .isTrue();
    }
    return byId;
  }

  private static long one(String sql) {
    return CLICKHOUSE.client().query(sql).get(0).fields().next().getValue().asLong();
  }

  private static List<EventFollower> submitWave(int missions) throws Exception {
    List<EventFollower> wave = new ArrayList<>();
    for (int i = 0; i < missions; i++) {
      EventFollower follower = EventFollower.start(HTTP, stack::api, stack.token(), submit(PLAN));
      followers.add(follower);
      wave.add(follower);
    }
    return wave;
  }

  /** Until every mission of the wave has a finished step and one has not finished yet. */
  private static void awaitSomeStepsDone(List<EventFollower> wave) throws Exception {
    EventFollower.awaitStepEvents(wave, "a", "b", "c", "d");
  }

  private static String submit(String plan) throws Exception {
    HttpResponse<String> response =
        send(
            "POST",
            "/api/v1/missions",
            "{\"mission\":\"restart test "
                + UUID.randomUUID()
                + "\",\"config\":{\"plan\":"
                + plan
                + "}}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return Json.mapper().readTree(response.body()).path("missionId").asText();
  }

  private static void assertCompletes(String missionId) throws Exception {
    try (EventFollower follower = EventFollower.start(HTTP, stack::api, stack.token(), missionId)) {
      assertThat(follower.awaitFinal(Duration.ofMinutes(2)))
          .as("final event\n%s", stack.logTails())
          .isTrue();
      List<JsonNode> events = follower.events();
      assertThat(events.get(events.size() - 1).path("type").asText())
          .as(events.toString())
          .isEqualTo("mission.completed");
    }
  }

  /**
   * Every call the Gemini stand-in answered (since it last started) carried the key stored in the
   * vault.
   */
  private static void assertEveryModelCallUsedTheStoredKey() throws Exception {
    HttpResponse<String> calls =
        HTTP.send(
            HttpRequest.newBuilder(stack.standin("/admin/calls")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    List<String> keys = new ArrayList<>();
    Json.mapper()
        .readTree(calls.body())
        .path("calls")
        .forEach(c -> keys.add(c.path("apiKeySha256").asText()));
    assertThat(keys).isNotEmpty().containsOnly(Sha256.hex(storedKey));
  }

  private static HttpResponse<String> send(String method, String path, String body)
      throws Exception {
    return stack.send(HTTP, Duration.ofSeconds(30), stack.token(), method, path, body);
  }
}
