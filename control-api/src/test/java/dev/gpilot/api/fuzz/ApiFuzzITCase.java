package dev.gpilot.api.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.RawHttp;
import dev.gpilot.api.streams.MissionEvents;
import dev.gpilot.api.testing.ApiServer;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.KafkaTestBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Random, mutated and malformed requests to every endpoint of the API (missions, streams, cancel,
 * agents, vault, analytics, health, unknown routes) and garbage for the HTTP parser. For every
 * answer: never a 5xx; every 4xx is {@code application/problem+json} with a type, a title and its
 * status; and a request that was not accepted (no 2xx) wrote nothing to any topic.
 *
 * <p>Repeatable: the seed is printed; {@code -Dgpilot.fuzz.seed=N} replays a run, {@code
 * -Dgpilot.fuzz.requests=N} sets its length. The counts go to {@code target/fuzz-report.txt}.
 */
class ApiFuzzITCase {

  private static final long SEED = Long.getLong("gpilot.fuzz.seed", 20261204L);
  private static final int REQUESTS = Integer.getInteger("gpilot.fuzz.requests", 3000);
  private static final String TOKEN = "fuzz-token";
  private static final String OTHER_TOKEN = "fuzz-token-other";

  @RegisterExtension
  static final ApiServer API =
      ApiServer.builder()
          .token(TOKEN, new Principal("default", "fuzzer"))
          .token(OTHER_TOKEN, new Principal("other", "fuzzer"))
          .clickHouse()
          .api(o -> o.withStreams(10_000, Duration.ofMillis(500)))
          .tenancyAtHome()
          .build();

  private static final KafkaTestBroker KAFKA = API.kafka();

  private static ControlApi api;
  private static Admin admin;
  private static List<TopicPartition> partitions;
  private static RequestGenerator.Known known;

  @BeforeAll
  static void start() throws Exception {
    api = API.api();
    admin = Admin.create(KAFKA.clientProperties());
    List<String> topics = Topics.all().stream().map(Topics.Spec::name).toList();
    partitions =
        admin.describeTopics(topics).allTopicNames().get().values().stream()
            .flatMap(
                d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
            .toList();

    // What valid requests can find: a running and a finished mission, another workspace's, a
    // secret.
    RawHttp http = new RawHttp(api.port(), 10_000);
    String running = missionId(http, TOKEN);
    String other = missionId(http, OTHER_TOKEN);
    String finished;
    try (MissionEvents m = new MissionEvents(KAFKA.bootstrapServers(), "default")) {
      m.accepted("Finished")
          .plan("s1:agent-scout")
          .started("s1", "agent-scout", 1)
          .completed("s1", "agent-scout", 1, "done", 10)
          .missionEnd("mission.completed", "COMPLETED", null);
      finished = m.missionId();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(send(http, "GET", "/api/v1/missions/" + finished, TOKEN, "").bodyText())
                    .contains("COMPLETED"));
    assertThat(
            send(
                    http,
                    "PUT",
                    "/api/v1/vault/secrets/gemini",
                    TOKEN,
                    RequestGenerator.VALID_SECRET_BODY)
                .status())
        .isEqualTo(201);
    known = new RequestGenerator.Known(TOKEN, OTHER_TOKEN, running, finished, other);
  }

  @AfterAll
  static void stop() {
    if (admin != null) {
      admin.close();
    }
  }

  @Test
  void randomAndMalformedRequests_neverGet5xx_everyRejectionIsAProblem_andWritesNothing()
      throws Exception {
    System.out.println(
        "ApiFuzzITCase: seed "
            + SEED
            + " (-Dgpilot.fuzz.seed="
            + SEED
            + " replays this run), "
            + REQUESTS
            + " requests");
    RequestGenerator generator = new RequestGenerator(new Random(SEED), known);
    RawHttp http = new RawHttp(api.port(), 10_000);
    Report report = new Report();
    List<String> failures = new ArrayList<>();
    Map<String, Long> offsets = settledOffsets();
    long started = System.nanoTime();
    long httpNanos = 0;

    for (int i = 0; i < REQUESTS; i++) {
      FuzzRequest request = generator.next();
      RawHttp.Response response;
      long sent = System.nanoTime();
      try {
        response =
            http.send(
                request.bytes(api.port()),
                request.head(),
                request.kind().startsWith("mission-batch:"));
        httpNanos += System.nanoTime() - sent;
      } catch (IOException e) {
        failures.add("#" + i + " " + request.describe() + ": " + e.getMessage());
        offsets = settledOffsets();
        continue;
      }
      report.add(request, response);
      String problem = check(request, response);
      boolean accepted = response.status() / 100 == 2 && request.mayWrite();
      Map<String, Long> after = accepted ? settledOffsets() : offsets();
      if (!accepted && !after.equals(offsets)) {
        problem =
            (problem == null ? "" : problem + "; ")
                + "wrote to Kafka without being accepted: "
                + changed(offsets, after);
      }
      if (request.kind().startsWith("mission-batch:") && response.status() == 200) {
        String wrong =
            checkBatch(response, after.get(Topics.MISSIONS) - offsets.get(Topics.MISSIONS));
        problem = wrong == null ? problem : (problem == null ? "" : problem + "; ") + wrong;
      }
      offsets = after;
      if (problem != null) {
        failures.add(
            "#" + i + " " + request.describe() + " -> " + response.status() + ": " + problem);
      }
    }

    String text =
        report.text(
            SEED, Duration.ofNanos(System.nanoTime() - started), Duration.ofNanos(httpNanos));
    System.out.println(text);
    Path file = Path.of("target", "fuzz-report.txt");
    Files.createDirectories(file.getParent());
    Files.writeString(
        file,
        text + (failures.isEmpty() ? "" : "\nfailures:\n" + String.join("\n", failures)) + "\n");
    assertThat(failures).as("seed " + SEED + ", report in " + file.toAbsolutePath()).isEmpty();
  }

  /** What is wrong with an answer, or null. */
  private static String check(FuzzRequest request, RawHttp.Response response) {
    int status = response.status();
    if (status == 0) {
      return "the connection closed without an HTTP answer";
    }
    if (status >= 500) {
      return "a server error: " + abbreviate(response.bodyText());
    }
    if (status < 400) {
      return null;
    }
    String type = response.header("content-type");
    if (type == null || !type.startsWith("application/problem+json")) {
      return "a " + status + " with content-type " + type + ": " + abbreviate(response.bodyText());
    }
    if (request.head()) {
      return null; // a HEAD answer has no body to check
    }
    JsonNode problem;
    try {
      problem = Json.mapper().readTree(response.body());
    } catch (IOException e) {
      return "an unparseable problem body: " + abbreviate(response.bodyText());
    }
    if (problem == null
        || !problem.path("type").isTextual()
        || problem.path("type").asText().isBlank()
        || !problem.path("title").isTextual()
        || problem.path("title").asText().isBlank()
        || problem.path("status").asInt() != status) {
      return "a problem without type, title or its status: " + abbreviate(response.bodyText());
    }
    return null;
  }

  /**
   * What is wrong with a batch's answer, or null: every line answered with a status, a 202 with its
   * missionId, any other status a problem below 500 with type and detail; and exactly the 202 lines
   * that were not replays written.
   */
  private static String checkBatch(RawHttp.Response response, long written) {
    List<JsonNode> results = new ArrayList<>();
    try {
      String type = response.header("content-type");
      if (type != null && type.startsWith("application/json")) {
        Json.mapper().readTree(response.body()).forEach(results::add);
      } else {
        for (String line : response.bodyText().split("\n")) {
          results.add(Json.mapper().readTree(line));
        }
      }
    } catch (IOException e) {
      return "an unparseable batch answer: " + abbreviate(response.bodyText());
    }
    long fresh = 0;
    for (JsonNode r : results) {
      int status = r.path("status").asInt();
      if (!r.path("line").isInt() || status == 0) {
        return "a batch result without line or status: " + r;
      }
      if (status == 202) {
        if (!r.path("missionId").isTextual()) {
          return "an accepted line without missionId: " + r;
        }
        fresh += r.path("replayed").asBoolean() ? 0 : 1;
      } else if (status >= 500 || !r.path("type").isTextual() || !r.path("detail").isTextual()) {
        return "a rejected line without a 4xx problem: " + r;
      }
    }
    return fresh == written
        ? null
        : "the batch accepted " + fresh + " new missions but wrote " + written;
  }

  /** The end offset of every topic (summed over partitions). */
  private static Map<String, Long> offsets() throws Exception {
    return endOffsets(IsolationLevel.READ_UNCOMMITTED);
  }

  /**
   * The end offsets once no transaction is open: a vault write's commit markers may land just after
   * its answer, and must not be counted against the next request.
   */
  private static Map<String, Long> settledOffsets() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      Map<String, Long> all = endOffsets(IsolationLevel.READ_UNCOMMITTED);
      if (all.equals(endOffsets(IsolationLevel.READ_COMMITTED)) || System.nanoTime() > deadline) {
        return all;
      }
      Thread.sleep(5);
    }
  }

  private static Map<String, Long> endOffsets(IsolationLevel isolation) throws Exception {
    Map<TopicPartition, OffsetSpec> latest =
        partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
    Map<String, Long> offsets = new TreeMap<>();
    admin
        .listOffsets(latest, new ListOffsetsOptions(isolation))
        .all()
        .get()
        .forEach((tp, o) -> offsets.merge(tp.topic(), o.offset(), Long::sum));
    return offsets;
  }

  private static String changed(Map<String, Long> before, Map<String, Long> after) {
    return after.entrySet().stream()
        .filter(e -> !e.getValue().equals(before.get(e.getKey())))
        .map(e -> e.getKey() + " +" + (e.getValue() - before.getOrDefault(e.getKey(), 0L)))
        .collect(Collectors.joining(", "));
  }

  private static String abbreviate(String s) {
    String oneLine = s.replaceAll("\\s+", " ");
    return oneLine.length() > 300 ? oneLine.substring(0, 300) + "…" : oneLine;
  }

  private static RawHttp.Response send(
      RawHttp http, String method, String path, String token, String body) throws IOException {
    List<Map.Entry<String, String>> headers =
        new ArrayList<>(
            List.of(
                Map.entry("Authorization", "Bearer " + token),
                Map.entry("Content-Type", "application/json")));
    FuzzRequest request =
        new FuzzRequest(
            "setup", method, path, headers, body.getBytes(StandardCharsets.UTF_8), null);
    return http.send(request.bytes(api.port()), false);
  }

  private static String missionId(RawHttp http, String token) throws IOException {
    RawHttp.Response accepted =
        send(http, "POST", "/api/v1/missions", token, "{\"mission\":\"Fuzz target\"}");
    assertThat(accepted.status()).as(accepted.bodyText()).isEqualTo(202);
    return Json.mapper().readTree(accepted.body()).get("missionId").asText();
  }

  /** Counts of the answers: by status, 4xx by status and problem type, and by kind of request. */
  private static final class Report {
    private int requests;
    private final Map<Integer, Integer> byStatus = new TreeMap<>();
    private final Map<String, Integer> rejections = new TreeMap<>();
    private final Map<String, Map<Integer, Integer>> byKind = new TreeMap<>();

    void add(FuzzRequest request, RawHttp.Response response) {
      requests++;
      byStatus.merge(response.status(), 1, Integer::sum);
      if (response.status() / 100 == 4) {
        String type = "(no problem body)";
        try {
          JsonNode problem = request.head() ? null : Json.mapper().readTree(response.body());
          type = problem == null ? "(HEAD)" : problem.path("type").asText("(no type)");
        } catch (IOException | RuntimeException e) {
          // counted as no problem body; check() reports it
        }
        rejections.merge(response.status() + " " + type, 1, Integer::sum);
      }
      // Bodies are counted by endpoint; garbage by what was wrong with it.
      String kind =
          request.kind().startsWith("garbage:") ? request.kind() : request.kind().split(":", 2)[0];
      byKind.computeIfAbsent(kind, k -> new TreeMap<>()).merge(response.status(), 1, Integer::sum);
    }

    String text(long seed, Duration took, Duration answering) {
      StringBuilder out =
          new StringBuilder("API fuzz: seed ")
              .append(seed)
              .append(", ")
              .append(requests)
              .append(" requests in ")
              .append(took.toSeconds())
              .append(" s (")
              .append(answering.toSeconds())
              .append(
                  " s waiting for answers, the rest counting records on the topics)\n\nanswers by status:\n");
      byStatus.forEach((s, n) -> out.append(String.format("  %3d  %5d%n", s, n)));
      out.append("\n4xx by status and problem type:\n");
      rejections.forEach((t, n) -> out.append(String.format("  %-50s %5d%n", t, n)));
      out.append("\nanswers by kind of request (status=count):\n");
      byKind.forEach((k, m) -> out.append(String.format("  %-34s %s%n", k, m)));
      return out.toString();
    }
  }
}
