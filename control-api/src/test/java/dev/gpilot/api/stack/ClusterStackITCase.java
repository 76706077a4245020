package dev.gpilot.api.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.TopicContents;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * G-Pilot as {@code ./gpilot up --cluster} runs it: a Flink standalone session cluster (a
 * JobManager and two TaskManagers, each a process of its own, the shaded job jar submitted over
 * REST), three KRaft brokers (replication factor 3, {@code min.insync.replicas} 2) and two API
 * instances. Missions run through a TaskManager, a broker and an API instance killed with {@code
 * SIGKILL} (one after another), an {@code upgrade} (stop-with-savepoint, the jar again from it) and
 * a {@code down} / {@code up}, and each ends with every event once, no step called again after it
 * completed, and the costs reconciled to the micro-credit. The Prometheus endpoints of the API
 * instances and of every Flink process serve what the operations dashboard charts.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterStackITCase {
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Four model steps side by side, a join and one after it. */
  private static final String PLAN =
      "{\"steps\":["
          + "{\"id\":\"a\",\"agent\":\"agent-scout\",\"action\":\"research\"},"
          + "{\"id\":\"b\",\"agent\":\"seo-analyst\",\"action\":\"score\"},"
          + "{\"id\":\"c\",\"agent\":\"agent-scout\",\"action\":\"research more\"},"
          + "{\"id\":\"d\",\"agent\":\"independent-verifier\",\"action\":\"check\"},"
          + "{\"id\":\"join\",\"agent\":\"content-orchestrator\",\"action\":\"write\",\"dependsOn\":[\"a\",\"b\",\"c\",\"d\"]},"
          + "{\"id\":\"last\",\"agent\":\"independent-verifier\",\"action\":\"verify\",\"dependsOn\":[\"join\"]}]}";

  private static final JsonCodec<CostRecord> COST_RECORDS = JsonCodec.of(CostRecord.class);
  private static final Path OPERATIONS_DASHBOARD =
      Path.of("..", "dashboards", "gpilot-operations.json");

  private static GpilotStack stack;
  private static final List<EventFollower> followers = new ArrayList<>();

  @BeforeAll
  static void up() throws Exception {
    stack =
        GpilotStack.create(
            "cluster",
            CLICKHOUSE,
            // Slow enough that missions are in flight when a process goes down; checkpoints often.
            Map.of("GPILOT_SIM_LATENCY_MS", "800", "GPILOT_CHECKPOINT_INTERVAL_MS", "1000"));
    stack.run(Duration.ofMinutes(6), "up", "--cluster");
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
  void
      upCluster_runsAJobManagerTwoTaskManagersThreeBrokersAndTwoApis_andTheJobOnBothAtParallelism4()
          throws Exception {
    String status = stack.status();

    assertThat(status)
        .containsPattern("(?m)^jobmanager: running \\(pid \\d+")
        .containsPattern("(?m)^taskmanager-1: running \\(pid \\d+")
        .containsPattern("(?m)^taskmanager-2: running \\(pid \\d+")
        .containsPattern("(?m)^job: RUNNING on the cluster \\([0-9a-f]{32}")
        .containsPattern("(?m)^checkpoint: ")
        .containsPattern("(?m)^kafka-1: running \\(pid \\d+")
        .containsPattern("(?m)^kafka-2: running \\(pid \\d+")
        .containsPattern("(?m)^kafka-3: running \\(pid \\d+")
        .containsPattern("(?m)^api: running \\(pid \\d+")
        .containsPattern("(?m)^api-2: running \\(pid \\d+")
        .containsPattern("(?m)^clickhouse: external, answering")
        .containsPattern("(?m)^standin: running \\(pid \\d+");
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(stack.status())
                    .containsPattern("(?m)^checkpoint: #\\d+ \\d+ s ago, took \\d+ ms"));
    // Processes of their own, not one JVM.
    List<Long> pids =
        java.util.stream.Stream.of(
                GpilotStack.CLUSTER_SERVICES, GpilotStack.KAFKA_BROKERS, List.of("api", "api-2"))
            .flatMap(List::stream)
            .map(stack::pid)
            .toList();
    assertThat(pids)
        .doesNotHaveDuplicates()
        .allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isPresent());
    assertThat(stack.pid("job")).as("no embedded job").isEqualTo(-1);
    assertThat(
            flink("/jobs/" + jobId() + "/config")
                .path("execution-config")
                .path("job-parallelism")
                .asInt())
        .isEqualTo(4);
    // Spread evenly: two of each TaskManager's four slots taken, two spare for the other's tasks.
    for (JsonNode tm : flink("/taskmanagers").path("taskmanagers")) {
      assertThat(tm.path("freeSlots").asInt()).as(tm.path("id").asText()).isEqualTo(2);
    }

    List<EventFollower> wave = submitWave(4);
    assertEachCompletedOnce(wave);
    assertCostsReconcile(wave);
  }

  @Test
  @Order(1)
  void topics_areOnThreeBrokersWithTwoInSync_andHaveTheSettingsOfTopics() throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
    try (Admin admin = Admin.create(props)) {
      List<String> names = Topics.all().stream().map(Topics.Spec::name).toList();
      Map<String, TopicDescription> topics =
          admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
      Map<ConfigResource, Config> configs =
          admin
              .describeConfigs(
                  names.stream()
                      .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
                      .toList())
              .all()
              .get(30, TimeUnit.SECONDS);
      for (Topics.Spec spec : Topics.all()) {
        TopicDescription topic = topics.get(spec.name());
        assertThat(topic.partitions())
            .as(spec.name())
            .hasSize(spec.partitions())
            .allSatisfy(p -> assertThat(p.replicas()).as(spec.name() + " replicas").hasSize(3));
        Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()));
        assertThat(config.get("min.insync.replicas").value()).as(spec.name()).isEqualTo("2");
        spec.config()
            .forEach(
                (key, value) ->
                    assertThat(config.get(key).value())
                        .as(spec.name() + " " + key)
                        .isEqualTo(value));
      }
    }
  }

  /**
   * Every metric the operations dashboard charts is served: by an API instance's {@code GET
   * /metrics} (Micrometer) or by a Flink process's Prometheus reporter (the JobManager's
   * checkpoints, the TaskManagers' tasks and operators, the agent executor's gauges among them).
   */
  @Test
  @Order(1)
  void
      prometheusEndpoints_ofBothApisAndEveryFlinkProcess_serveEveryMetricTheOperationsDashboardCharts()
          throws Exception {
    Set<String> charted = dashboardMetrics();
    assertThat(charted)
        .as("metrics in %s", OPERATIONS_DASHBOARD)
        .contains(
            "flink_jobmanager_job_lastCheckpointDuration",
                "flink_jobmanager_job_lastCheckpointSize",
            "flink_taskmanager_job_task_backPressuredTimeMsPerSecond",
                "flink_taskmanager_job_task_numRecordsInPerSecond",
            "flink_taskmanager_job_task_numRecordsOutPerSecond",
                "flink_taskmanager_job_task_operator_attemptsInFlight",
            "flink_taskmanager_job_task_operator_asyncCapacity",
                "http_server_requests_seconds_count",
            "gpilot_streams_open", "gpilot_feed_behind_seconds");
    submitWave(2); // requests, streams and records to count
    await()
        .atMost(Duration.ofSeconds(120))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Set<String> served = new TreeSet<>();
              for (URI endpoint :
                  List.of(
                      stack.api("/metrics"),
                      stack.api2("/metrics"),
                      stack.flinkMetrics("jobmanager"),
                      stack.flinkMetrics("taskmanager-1"),
                      stack.flinkMetrics("taskmanager-2"))) {
                HttpResponse<String> response =
                    HTTP.send(
                        HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(endpoint.toString()).isEqualTo(200);
                served.addAll(metricNames(response.body()));
              }
              assertThat(served).as("served metrics").containsAll(charted);
            });
    // The executor's gauges come from the agent-executor operator, with its capacity as configured.
    HttpResponse<String> tm =
        HTTP.send(
            HttpRequest.newBuilder(stack.flinkMetrics("taskmanager-1")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(tm.body())
        .containsPattern(
            "(?m)^flink_taskmanager_job_task_operator_asyncCapacity\\{[^}]*operator_name=\"agent[^\"]*executor[^}]*\\} [1-9]");
  }

  /**
   * The metric names in the dashboard's queries (PromQL identifiers of ours, of Flink's and of
   * Micrometer's).
   */
  private static Set<String> dashboardMetrics() throws Exception {
    Set<String> names = new TreeSet<>();
    Matcher m =
        Pattern.compile("\\b((?:flink|gpilot|http_server|kafka_producer)_[A-Za-z0-9_]+)")
            // Label values ("gpilot-api", "agent_executor") are not metrics: quoted strings are
            // left out.
            .matcher(
                String.join("\n", exprs(Json.mapper().readTree(OPERATIONS_DASHBOARD.toFile())))
                    .replaceAll("\"[^\"]*\"", "\"\""));
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static List<String> exprs(JsonNode node) {
    List<String> found = new ArrayList<>();
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              f -> {
                if (f.getKey().equals("expr")) {
                  found.add(f.getValue().asText());
                } else {
                  found.addAll(exprs(f.getValue()));
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> found.addAll(exprs(n)));
    }
    return found;
  }

  /**
   * Every metric (family) an exposition names, with the suffixes of histograms and summaries as
   * served.
   */
  private static Set<String> metricNames(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  @Test
  @Order(2)
  void taskManagerKilledUnderLoad_jobRestartsFromItsCheckpoint_noEventLostNoStepRunAgain()
      throws Exception {
    String job = jobId();
    long restoredBefore =
        flink("/jobs/" + job + "/checkpoints").path("counts").path("restored").asLong();
    clearStandinCalls();
    List<EventFollower> wave = submitWave(6);
    awaitSomeStepsDone(wave);

    stack.kill("taskmanager-1");
    wave.addAll(submitWave(3)); // accepted while the job recovers

    // Events only: the model calls are checked by the test below.
    assertEachCompletedOnce(wave, false, false);
    assertCostsReconcile(wave);
    assertThat(jobId()).as("the same job, restarted in place").isEqualTo(job);
    assertThat(flink("/jobs/" + job + "/checkpoints").path("counts").path("restored").asLong())
        .as("restored from a checkpoint")
        .isGreaterThan(restoredBefore);

    stack.up(); // starts the TaskManager again
    assertThat(stack.status())
        .containsPattern("(?m)^taskmanager-1: running")
        .containsPattern("(?m)^job: RUNNING");
  }

  @Test
  @Order(2)
  void taskManagerKilledUnderLoad_noModelCallForAStepAfterItCompleted() throws Exception {
    clearStandinCalls();
    List<EventFollower> wave = submitWave(6);
    awaitSomeStepsDone(wave);

    stack.kill("taskmanager-2");
    wave.addAll(submitWave(3));

    assertEachCompletedOnce(wave);
    stack.up();
  }

  @Test
  @Order(3)
  void brokerKilledUnderLoad_noAcceptedMissionLostNoEventLost_andItRejoins() throws Exception {
    clearStandinCalls();
    List<EventFollower> wave = submitWave(6);
    awaitSomeStepsDone(wave);

    stack.kill("kafka-2");
    wave.addAll(
        submitWave(3)); // accepted by the two brokers left (acks=all, min.insync.replicas 2)

    assertEachCompletedOnce(wave);
    assertCostsReconcile(wave);
    assertThat(stack.status()).containsPattern("(?m)^kafka-2: stopped");
    stack.up(); // starts the broker again; it catches up as a follower
    assertThat(stack.status()).containsPattern("(?m)^kafka-2: running");
    List<EventFollower> after = submitWave(2);
    assertEachCompletedOnce(after);
  }

  /**
   * Any instance serves and streams any mission: missions accepted by either instance are streamed
   * (AI SDK UI message stream) from the first; when it dies the clients resume on the other with
   * {@code Last-Event-ID}, and what each received is exactly the uncut stream, no frame missing,
   * none twice.
   */
  @Test
  @Order(4)
  void apiInstanceKilledWhileClientsStream_theyResumeOnTheOtherWithLastEventId_noGapNoDuplicate()
      throws Exception {
    List<SseFollower> streams = new ArrayList<>();
    List<String> missions = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String missionId = submit(i % 2 == 0 ? stack::api : stack::api2);
      missions.add(missionId);
      streams.add(SseFollower.start(HTTP, failover(), stack.token(), missionId));
    }
    await()
        .atMost(Duration.ofSeconds(120))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(streams)
                    .allSatisfy(f -> assertThat(f.frames().size()).isGreaterThan(3)));

    // On a loaded machine a mission may end before the kill: its stream is whole on one connection.
    // The others
    // must resume on api-2, and at least one must have been cut.
    List<Boolean> doneBeforeKill = new ArrayList<>();
    for (SseFollower stream : streams) {
      doneBeforeKill.add(stream.awaitDone(Duration.ZERO));
    }
    assertThat(doneBeforeKill).as("a stream still open when the instance dies").contains(false);
    stack.kill("api");

    try {
      int resumed = 0;
      for (int i = 0; i < streams.size(); i++) {
        SseFollower stream = streams.get(i);
        assertThat(stream.awaitDone(Duration.ofMinutes(4)))
            .as("[DONE] of %s\n%s", stream.missionId(), stack.logTails())
            .isTrue();
        // A stream open at the check may still have got its [DONE] from api before the kill took
        // effect (whole, on one connection); the frames' check below holds either way.
        if (!doneBeforeKill.get(i) && stream.connections() > 1) {
          resumed++;
        }
        List<SseFollower.Frame> uncut =
            SseFollower.replay(
                HTTP,
                stack.api2("/api/v1/missions/" + stream.missionId() + "/stream"),
                stack.token());
        assertThat(stream.frames())
            .as("frames of %s", stream.missionId())
            .isEqualTo(
                uncut.stream().filter(f -> f.id() != null && !f.data().equals("[DONE]")).toList());
      }
      assertThat(resumed).as("streams cut by the kill that resumed on api-2").isPositive();
      for (String missionId : missions) {
        JsonNode view =
            Json.mapper()
                .readTree(
                    HTTP.send(
                            HttpRequest.newBuilder(stack.api2("/api/v1/missions/" + missionId))
                                .header("Authorization", "Bearer " + stack.token())
                                .build(),
                            HttpResponse.BodyHandlers.ofString())
                        .body());
        assertThat(view.path("status").asText()).as(missionId).isEqualTo("COMPLETED");
      }
    } finally {
      streams.forEach(SseFollower::close);
      stack
          .up(); // starts the instance again, also when an assertion failed: the next tests need it
    }
    assertThat(stack.status()).containsPattern("(?m)^api: running");
  }

  /**
   * Each connection goes to the other instance than the one before: a client that lost one tries
   * the other.
   */
  private static Function<String, URI> failover() {
    AtomicInteger connections = new AtomicInteger();
    return path -> connections.getAndIncrement() % 2 == 0 ? stack.api(path) : stack.api2(path);
  }

  @Test
  @Order(5)
  void upgrade_withMissionsInFlight_startsTheJarFromASavepoint_andLosesNothing() throws Exception {
    String before = jobId();
    clearStandinCalls();
    List<EventFollower> wave = submitWave(6);
    awaitSomeStepsDone(wave);

    CompletableFuture<String> upgrade =
        CompletableFuture.supplyAsync(() -> stack.run(Duration.ofMinutes(5), "upgrade"));
    wave.addAll(submitWave(3)); // accepted while the job stops, or while the new one starts
    String out = upgrade.join();

    assertThat(out).contains("upgrade: done");
    String after = jobId();
    assertThat(after).isNotEqualTo(before);
    JsonNode restored = flink("/jobs/" + after + "/checkpoints").path("latest").path("restored");
    assertThat(restored.path("is_savepoint").asBoolean()).as(restored.toString()).isTrue();
    assertThat(out).contains(restored.path("external_path").asText().replaceFirst("^file:", ""));
    assertThat(flink("/jars").path("files")).as("uploaded jars kept on the cluster").hasSize(1);
    assertEachCompletedOnce(wave);
  }

  @Test
  @Order(6)
  void down_stopsTheJobWithASavepoint_andUpResumesMissionsInFlight() throws Exception {
    clearStandinCalls();
    List<EventFollower> wave = submitWave(4);
    awaitSomeStepsDone(wave);

    String down = stack.down();
    assertThat(down)
        .containsPattern("job: stopped with savepoint .*savepoint-")
        .contains("taskmanager-1: stopped", "taskmanager-2: stopped", "jobmanager: stopped");
    assertThat(GpilotStack.CLUSTER_SERVICES)
        .allSatisfy(s -> assertThat(stack.pid(s)).isEqualTo(-1));
    assertThat(stack.run(Duration.ofMinutes(6), "up", "--cluster")).contains("job: resuming from");

    assertEachCompletedOnce(wave, true, false);
  }

  /**
   * Every mission ends {@code mission.completed} with its events' seqs 1..n (none lost, none
   * twice), each step completed once, no attempt started twice, and no model call for a step after
   * it completed.
   */
  private static void assertEachCompletedOnce(List<EventFollower> wave) throws Exception {
    assertEachCompletedOnce(wave, true, true);
  }

  /**
   * @param checkCalls whether to check the stand-in's calls at all
   * @param callLogSpansTheWave whether the stand-in ran throughout (its call log is in memory: a
   *     {@code down} of the whole stack clears it, and the wave may have no call left after the
   *     {@code up})
   */
  private static void assertEachCompletedOnce(
      List<EventFollower> wave, boolean checkCalls, boolean callLogSpansTheWave) throws Exception {
    Map<String, Map<String, Long>> completedAt = new HashMap<>();
    for (EventFollower follower : wave) {
      assertThat(follower.awaitFinal(Duration.ofMinutes(4)))
          .as("final event of %s\n%s", follower.missionId(), stack.logTails())
          .isTrue();
      List<JsonNode> events = follower.events();
      assertThat(events.get(events.size() - 1).path("type").asText())
          .isEqualTo("mission.completed");
      assertThat(events.stream().map(e -> e.path("seq").asLong()).toList())
          .as("seqs of %s (connections: %d)", follower.missionId(), follower.connections())
          .isEqualTo(LongStream.rangeClosed(1, events.size()).boxed().toList());
      Map<String, Long> completions =
          events.stream()
              .filter(e -> e.path("type").asText().equals("step.completed"))
              .filter(e -> !e.path("stepId").asText().equals("_plan"))
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
      events.stream()
          .filter(e -> e.path("type").asText().equals("step.completed"))
          .forEach(
              e ->
                  completedAt
                      .computeIfAbsent(follower.missionId(), k -> new HashMap<>())
                      .put(e.path("stepId").asText(), e.path("ts").asLong()));
    }
    if (!checkCalls) {
      return;
    }
    List<String> afterCompletion = new ArrayList<>();
    int identified = 0;
    for (JsonNode call : standinCalls()) {
      Long done =
          completedAt
              .getOrDefault(call.path("missionId").asText(), Map.of())
              .get(call.path("stepId").asText());
      if (done != null) {
        identified++;
        if (call.path("at").asLong() > done) {
          afterCompletion.add(call.toString());
        }
      }
    }
    if (callLogSpansTheWave) {
      assertThat(identified).as("the stand-in's calls name the wave's steps").isGreaterThan(0);
    }
    assertThat(afterCompletion).as("model calls for a step after it completed").isEmpty();
  }

  private static void clearStandinCalls() throws Exception {
    HTTP.send(
        HttpRequest.newBuilder(stack.standin("/admin/calls")).DELETE().build(),
        HttpResponse.BodyHandlers.discarding());
  }

  private static JsonNode standinCalls() throws Exception {
    return Json.mapper()
        .readTree(
            HTTP.send(
                    HttpRequest.newBuilder(stack.standin("/admin/calls")).GET().build(),
                    HttpResponse.BodyHandlers.ofString())
                .body())
        .path("calls");
  }

  /** The id of the MissionJob the cluster runs. */
  private static String jobId() throws Exception {
    String[] id = new String[1];
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              List<String> running = new ArrayList<>();
              flink("/jobs/overview")
                  .path("jobs")
                  .forEach(
                      j -> {
                        if (j.path("name").asText().equals("gpilot-mission-job")
                            && j.path("state").asText().equals("RUNNING")) {
                          running.add(j.path("jid").asText());
                        }
                      });
              assertThat(running).hasSize(1);
              id[0] = running.get(0);
            });
    return id[0];
  }

  private static JsonNode flink(String path) throws Exception {
    URI uri = stack.flink(path);
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("%s: %s", uri, response.body()).isEqualTo(200);
    return Json.mapper().readTree(response.body());
  }

  /** POSTs a mission with {@link #PLAN} to an API instance; returns its id. */
  private static String submit(Function<String, URI> api) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(api.apply("/api/v1/missions"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + stack.token())
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"mission\":\"cluster test "
                            + UUID.randomUUID()
                            + "\",\"config\":{\"plan\":"
                            + PLAN
                            + "}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return Json.mapper().readTree(response.body()).path("missionId").asText();
  }

  /**
   * The cost of each mission as its events streamed it equals its view's total, and the wave's sum
   * equals the cost-records topic's (one record per id), ClickHouse's raw rows and its mission
   * totals, to the micro-credit.
   */
  private static void assertCostsReconcile(List<EventFollower> wave) throws Exception {
    long streamed = 0;
    for (EventFollower follower : wave) {
      long missionCost =
          follower.events().stream()
              .filter(e -> e.path("type").asText().startsWith("step."))
              .mapToLong(e -> e.path("costMicros").asLong(0))
              .sum();
      JsonNode view =
          Json.mapper()
              .readTree(
                  HTTP.send(
                          HttpRequest.newBuilder(
                                  stack.api("/api/v1/missions/" + follower.missionId()))
                              .header("Authorization", "Bearer " + stack.token())
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body());
      assertThat(view.path("costMicros").asLong())
          .as("cost of %s", follower.missionId())
          .isEqualTo(missionCost);
      streamed += missionCost;
    }
    assertThat(streamed).as("the wave cost something").isGreaterThan(0);
    long streamedCost = streamed;
    List<String> ids = wave.stream().map(EventFollower::missionId).toList();
    String in = ids.stream().map(id -> "'" + id + "'").collect(Collectors.joining(",", "(", ")"));
    await()
        .atMost(Duration.ofSeconds(90))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Map<String, CostRecord> byId = new HashMap<>();
              for (ConsumerRecord<byte[], byte[]> record :
                  TopicContents.read(stack.kafkaBootstrap(), Topics.COST_RECORDS)) {
                CostRecord cost = COST_RECORDS.decode(record.value());
                CostRecord previous = byId.put(cost.id(), cost);
                assertThat(previous == null || previous.costMicros() == cost.costMicros())
                    .as("a re-sent cost record %s has the same cost", cost.id())
                    .isTrue();
              }
              Map<String, Long> topic = new TreeMap<>();
              byId.values().stream()
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

  private static long one(String sql) {
    return CLICKHOUSE.client().query(sql).get(0).fields().next().getValue().asLong();
  }

  private static List<EventFollower> submitWave(int missions) throws Exception {
    List<EventFollower> wave = new ArrayList<>();
    for (int i = 0; i < missions; i++) {
      EventFollower follower =
          EventFollower.start(HTTP, stack::api, stack.token(), submit(stack::api));
      followers.add(follower);
      wave.add(follower);
    }
    return wave;
  }

  /**
   * Until every mission of the wave has a model step under way or done (and none can have finished
   * yet).
   */
  private static void awaitSomeStepsDone(List<EventFollower> wave) throws Exception {
    EventFollower.awaitStepEvents(wave, "a", "b", "c", "d");
  }
}
