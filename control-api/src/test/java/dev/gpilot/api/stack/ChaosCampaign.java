package dev.gpilot.api.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.contracts.Sha256;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.testing.TopicContents;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * {@code ./gpilot chaos [rounds]}: a fault campaign against the stack {@code ./gpilot up} started.
 * Under a steady load of missions with parallel steps, each followed by an AI SDK stream client
 * that resumes with {@code Last-Event-ID} after every cut, it injects one fault per phase — {@code
 * kill -9} of the job ({@code rounds} times, at random moments), a broker restart, ClickHouse
 * stopped for 60 s, an API restart, a 30 s storm of 429/503 from the Gemini stand-in — and after
 * each checks what a user would: every accepted mission reached a final status, no completed step
 * was called again (the stand-in's call log by mission, step and attempt), every stream client got
 * every frame once (against an uncut replay), costs reconcile to the micro-credit (cost-records
 * topic = raw rows = mission totals = the events; rollups once at the end), and the vault's key is
 * still the one every call carries. Prints a table and saves it as JSON.
 */
public final class ChaosCampaign {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final JsonCodec<CostRecord> COST_RECORDS = JsonCodec.of(CostRecord.class);

  /** Three model steps side by side and one after them. */
  private static final String PLAN =
      "{\"steps\":["
          + "{\"id\":\"a\",\"agent\":\"agent-scout\",\"action\":\"research\"},"
          + "{\"id\":\"b\",\"agent\":\"seo-analyst\",\"action\":\"score\"},"
          + "{\"id\":\"c\",\"agent\":\"independent-verifier\",\"action\":\"check\"},"
          + "{\"id\":\"join\",\"agent\":\"content-orchestrator\",\"action\":\"write\",\"dependsOn\":[\"a\",\"b\",\"c\"]}]}";

  private static final Set<String> FINAL =
      Set.of("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT", "BUDGET_EXCEEDED");

  /** What one fault did to the missions of its phase. */
  record PhaseResult(
      String fault,
      int accepted,
      int finished,
      int lost,
      Map<String, Integer> statuses,
      int stepsRerun,
      int framesLost,
      int framesDoubled,
      int streamsCut,
      long microsOff,
      boolean vaultOk,
      long outageMs,
      long recoveryMs,
      int modelCalls,
      String note) {}

  private final GpilotStack stack;
  private final ClickHouseClient clickhouse;
  private final Random random;
  private final String token;
  private final String vaultKey = "chaos-" + UUID.randomUUID();
  private final double missionsPerSecond;

  private ChaosCampaign(
      GpilotStack stack, ClickHouseClient clickhouse, long seed, double missionsPerSecond) {
    this.stack = stack;
    this.clickhouse = clickhouse;
    this.random = new Random(seed);
    this.token = stack.token();
    this.missionsPerSecond = missionsPerSecond;
  }

  /** Arguments: {@code [rounds] [out.json]}; environment as {@code ./gpilot} exports it. */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    Path out = Path.of(args.length > 1 ? args[1] : ".gpilot/bench/chaos.json");
    Map<String, String> env = System.getenv();
    long seed =
        Long.parseLong(env.getOrDefault("GPILOT_CHAOS_SEED", String.valueOf(System.nanoTime())));
    GpilotStack stack = GpilotStack.attach(env);
    ClickHouseClient clickhouse =
        new ClickHouseClient(
            env.get("GPILOT_CHAOS_CLICKHOUSE_URL"),
            env.getOrDefault("CLICKHOUSE_DATABASE", "gpilot"),
            Duration.ofSeconds(30));
    ChaosCampaign campaign =
        new ChaosCampaign(
            stack,
            clickhouse,
            seed,
            Double.parseDouble(env.getOrDefault("GPILOT_CHAOS_RATE", "2")));
    System.out.printf(
        "chaos: %d kill rounds, then broker, ClickHouse, API and a 429/503 storm; seed %d%n",
        rounds, seed);
    List<PhaseResult> results = campaign.run(rounds);
    String table = table(results);
    System.out.println(table);
    ObjectNode json = Json.mapper().createObjectNode();
    json.put("at", Instant.now().toString())
        .put("rounds", rounds)
        .put("seed", seed)
        .put("missionsPerSecond", campaign.missionsPerSecond);
    json.set("phases", Json.mapper().valueToTree(results));
    json.put("table", table);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
    System.out.println("saved to " + out);
    boolean clean =
        results.stream()
            .allMatch(
                r ->
                    r.lost() == 0
                        && r.stepsRerun() <= 0
                        && r.framesLost() == 0
                        && r.framesDoubled() == 0
                        && r.microsOff() == 0
                        && r.vaultOk());
    System.exit(clean ? 0 : 1);
  }

  List<PhaseResult> run(int rounds) throws Exception {
    // Steps that take a while, so that faults land on missions in flight; then a key of the
    // campaign's in the vault.
    stack.down("standin");
    stack.up(Map.of("GPILOT_SIM_LATENCY_MS", "300"));
    HttpResponse<String> put =
        api(
            "PUT",
            "/api/v1/vault/secrets/gemini",
            Json.mapper().createObjectNode().put("value", vaultKey).toString());
    if (put.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          "cannot store the campaign's vault key: " + put.statusCode() + " " + put.body());
    }
    long campaignStart = System.currentTimeMillis();
    List<PhaseResult> results = new ArrayList<>();
    for (int i = 1; i <= rounds; i++) {
      results.add(
          phase(
              "kill -9 job #" + i,
              () -> {
                stack.kill("job");
                stack.up(); // resumes from the newest checkpoint
              }));
    }
    results.add(
        phase(
            "restart broker",
            () -> {
              stack.down("kafka");
              stack.up();
            }));
    if (stack.pid("clickhouse") > 0) {
      results.add(
          phase(
              "ClickHouse down 60 s",
              () -> {
                stack.down("clickhouse");
                Thread.sleep(60_000);
                stack.up();
              }));
    } else {
      System.out.println(
          "chaos: ClickHouse is not one `up` started (CLICKHOUSE_URL): its outage is left out");
    }
    results.add(
        phase(
            "restart API",
            () -> {
              stack.down("api");
              stack.up();
            }));
    results.add(
        phase(
            "stand-in 429/503 30 s",
            () -> {
              injectStorm(429, 15_000);
              Thread.sleep(15_000);
              injectStorm(503, 15_000);
              Thread.sleep(15_000);
            }));
    results.add(rollupCheck(campaignStart));
    return results;
  }

  interface Fault {
    void inject() throws Exception;
  }

  private PhaseResult phase(String name, Fault fault) throws Exception {
    System.out.printf("chaos: %s ...%n", name);
    HTTP.send(
        HttpRequest.newBuilder(stack.standin("/admin/calls")).DELETE().build(),
        HttpResponse.BodyHandlers.discarding());
    Load load = new Load();
    Thread.sleep(2_000 + random.nextInt(4_000));
    long injectedAt = System.currentTimeMillis();
    fault.inject();
    long restoredAt = System.currentTimeMillis();
    Thread.sleep(5_000);
    load.stop();

    Map<String, Integer> statuses = new TreeMap<>();
    int finished = 0;
    int lost = 0;
    int framesLost = 0;
    int framesDoubled = 0;
    int cut = 0;
    long recoveredAt = Long.MAX_VALUE;
    long deadline = System.currentTimeMillis() + Duration.ofMinutes(4).toMillis();
    Map<String, Map<String, Long>> completedAt = new HashMap<>();
    long eventCost = 0;
    for (SseFollower follower : load.followers) {
      boolean done =
          follower.awaitDone(Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis())));
      follower.close();
      JsonNode view =
          Json.mapper()
              .readTree(api("GET", "/api/v1/missions/" + follower.missionId(), null).body());
      String status = view.path("status").asText("UNKNOWN");
      statuses.merge(status, 1, Integer::sum);
      if (!done || !FINAL.contains(status)) {
        lost++;
        continue;
      }
      finished++;
      cut += follower.connections() > 1 ? 1 : 0;
      long first = follower.firstFrameAtOrAfter(restoredAt);
      if (first > 0) {
        recoveredAt = Math.min(recoveredAt, first);
      }
      List<SseFollower.Frame> uncut =
          SseFollower.replay(
                  HTTP, stack.api("/api/v1/missions/" + follower.missionId() + "/stream"), token)
              .stream()
              .filter(f -> f.id() != null)
              .toList();
      List<SseFollower.Frame> got = follower.frames();
      framesDoubled +=
          got.size() - new HashSet<>(got.stream().map(SseFollower.Frame::id).toList()).size();
      Set<SseFollower.Frame> received = new HashSet<>(got);
      framesLost += (int) uncut.stream().filter(f -> !received.contains(f)).count();
      for (JsonNode event : events(follower.missionId())) {
        String type = event.path("type").asText();
        if (type.equals("step.completed")) {
          completedAt
              .computeIfAbsent(follower.missionId(), k -> new HashMap<>())
              .put(event.path("stepId").asText(), event.path("ts").asLong());
        }
        if (type.startsWith("step.")) {
          eventCost += event.path("costMicros").asLong(0);
        }
      }
    }
    Calls calls = calls(completedAt);
    List<String> ids = load.followers.stream().map(SseFollower::missionId).toList();
    long[] reconciled = reconcile(ids, eventCost);
    if (name.startsWith("ClickHouse")) {
      recoveredAt = reconciled[1]; // whole again once the raw rows caught up with the topic
    }
    boolean vaultOk =
        calls.otherKeys == 0 && api("GET", "/api/v1/vault", null).body().contains("\"gemini\"");
    PhaseResult result =
        new PhaseResult(
            name,
            load.accepted.get(),
            finished,
            lost,
            statuses,
            calls.rerun,
            framesLost,
            framesDoubled,
            cut,
            reconciled[0],
            vaultOk,
            restoredAt - injectedAt,
            recoveredAt == Long.MAX_VALUE ? -1 : recoveredAt - injectedAt,
            calls.total,
            calls.rerun < 0 ? "the stand-in records no step ids: steps re-run not measured" : "");
    System.out.println("chaos:   " + result);
    return result;
  }

  /** The 1-minute rollups against the raw rows, once their windows have closed. */
  private PhaseResult rollupCheck(long campaignStart) throws Exception {
    long from = campaignStart / 60_000 * 60_000;
    long to = System.currentTimeMillis() / 60_000 * 60_000 + 60_000;
    long deadline = System.currentTimeMillis() + Duration.ofSeconds(200).toMillis();
    long raw = 0;
    long rolled = 0;
    while (System.currentTimeMillis() < deadline) {
      raw =
          one(
              "SELECT sum(cost_micros) FROM cost_records FINAL WHERE workspace_id = 'default'"
                  + " AND finished_at_ms >= "
                  + from
                  + " AND finished_at_ms < "
                  + to);
      rolled =
          one(
              "SELECT sum(c) FROM (SELECT argMax(cost_micros, version) AS c FROM cost_rollup_1m"
                  + " WHERE workspace_id = 'default' AND window_start >= toDateTime("
                  + from / 1000
                  + ")"
                  + " AND window_start < toDateTime("
                  + to / 1000
                  + ") GROUP BY agent, model, window_start, slice)");
      if (raw == rolled && System.currentTimeMillis() > to + 15_000) {
        break;
      }
      Thread.sleep(2_000);
    }
    return new PhaseResult(
        "rollups = raw rows",
        0,
        0,
        0,
        Map.of(),
        0,
        0,
        0,
        0,
        Math.abs(raw - rolled),
        true,
        0,
        0,
        0,
        "campaign window "
            + Instant.ofEpochMilli(from)
            + " .. "
            + Instant.ofEpochMilli(to)
            + ": raw "
            + raw
            + ", rollups "
            + rolled);
  }

  private void injectStorm(int status, long forMs) throws IOException, InterruptedException {
    ArrayNode faults = Json.mapper().createArrayNode();
    faults
        .addObject()
        .put("status", status)
        .put("retryAfterSeconds", 2)
        .put("forMs", forMs)
        .put("message", "chaos: the model is overloaded");
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(stack.standin("/admin/faults"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(faults.toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          "the stand-in refused the storm: " + response.statusCode() + " " + response.body());
    }
  }

  /**
   * The stand-in's calls since the phase began: calls made for a step after it had completed, and
   * foreign keys.
   */
  private record Calls(int total, int rerun, int otherKeys) {}

  private Calls calls(Map<String, Map<String, Long>> completedAt) throws Exception {
    JsonNode calls =
        Json.mapper()
            .readTree(
                HTTP.send(
                        HttpRequest.newBuilder(stack.standin("/admin/calls")).GET().build(),
                        HttpResponse.BodyHandlers.ofString())
                    .body())
            .path("calls");
    String key = Sha256.hex(vaultKey);
    int total = 0;
    int rerun = 0;
    int otherKeys = 0;
    boolean identified = false;
    for (JsonNode call : calls) {
      total++;
      otherKeys += call.path("apiKeySha256").asText().equals(key) ? 0 : 1;
      if (call.hasNonNull("stepId")) {
        identified = true;
        Long done =
            completedAt
                .getOrDefault(call.path("missionId").asText(), Map.of())
                .get(call.path("stepId").asText());
        if (done != null && call.path("at").asLong() > done) {
          rerun++;
        }
      }
    }
    return new Calls(total, identified || total == 0 ? rerun : -1, otherKeys);
  }

  /**
   * Waits (at most 3 minutes) until the cost-records topic, ClickHouse's raw rows and the mission
   * totals each equal the costs the events carried; returns the micro-credits still off and when
   * they agreed.
   */
  private long[] reconcile(List<String> missionIds, long eventCost) throws Exception {
    if (missionIds.isEmpty()) {
      return new long[] {0, System.currentTimeMillis()};
    }
    String in =
        missionIds.stream().map(id -> "'" + id + "'").collect(Collectors.joining(",", "(", ")"));
    Set<String> ids = new HashSet<>(missionIds);
    long deadline = System.currentTimeMillis() + Duration.ofMinutes(3).toMillis();
    long off;
    do {
      long topic = costRecords(ids);
      long raw = one("SELECT sum(cost_micros) FROM cost_records FINAL WHERE mission_id IN " + in);
      long totals =
          one(
              "SELECT sum(c) FROM (SELECT argMax(cost_micros, version) AS c FROM missions"
                  + " WHERE mission_id IN "
                  + in
                  + " GROUP BY mission_id)");
      off = Math.abs(topic - eventCost) + Math.abs(raw - eventCost) + Math.abs(totals - eventCost);
      if (off == 0) {
        return new long[] {0, System.currentTimeMillis()};
      }
      Thread.sleep(2_000);
    } while (System.currentTimeMillis() < deadline);
    return new long[] {off, Long.MAX_VALUE};
  }

  private long costRecords(Set<String> missionIds) {
    Map<String, Long> byId = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record :
        TopicContents.read(stack.kafkaBootstrap(), Topics.COST_RECORDS)) {
      CostRecord cost = COST_RECORDS.decode(record.value());
      if (missionIds.contains(cost.missionId())) {
        byId.put(cost.id(), cost.costMicros()); // a re-sent record has the same id: counted once
      }
    }
    return byId.values().stream().mapToLong(Long::longValue).sum();
  }

  private List<JsonNode> events(String missionId) throws Exception {
    List<JsonNode> events = new ArrayList<>();
    for (String line :
        api("GET", "/api/v1/missions/" + missionId + "/events", null).body().split("\n")) {
      if (!line.isBlank()) {
        events.add(Json.mapper().readTree(line));
      }
    }
    return events;
  }

  private long one(String sql) {
    return clickhouse.query(sql).get(0).fields().next().getValue().asLong();
  }

  private HttpResponse<String> api(String method, String path, String body)
      throws IOException, InterruptedException {
    return stack.send(HTTP, Duration.ofSeconds(60), token, method, path, body);
  }

  /**
   * Missions at a steady rate, each followed by a stream client; a POST that finds no API is not
   * accepted.
   */
  private final class Load {
    final List<SseFollower> followers = new CopyOnWriteArrayList<>();
    final AtomicInteger accepted = new AtomicInteger();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    Load() {
      long periodMicros = (long) (1_000_000 / missionsPerSecond);
      timer.scheduleAtFixedRate(this::submit, 0, periodMicros, TimeUnit.MICROSECONDS);
    }

    private void submit() {
      try {
        HttpResponse<String> response =
            api(
                "POST",
                "/api/v1/missions",
                "{\"mission\":\"chaos "
                    + UUID.randomUUID()
                    + "\",\"config\":{\"plan\":"
                    + PLAN
                    + "}}");
        if (response.statusCode() == 202) {
          accepted.incrementAndGet();
          String id = Json.mapper().readTree(response.body()).path("missionId").asText();
          followers.add(SseFollower.start(HTTP, stack::api, token, id));
        }
      } catch (IOException e) {
        // No API to take it (restarting): the client was told nothing was accepted.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void stop() throws InterruptedException {
      timer.shutdown();
      timer.awaitTermination(1, TimeUnit.MINUTES);
    }
  }

  static String table(List<PhaseResult> results) {
    StringBuilder t = new StringBuilder();
    t.append(
        String.format(
            Locale.ROOT,
            "%-22s %8s %8s %5s %7s %7s %7s %5s %8s %6s %9s %10s %6s  %s%n",
            "fault",
            "accepted",
            "finished",
            "lost",
            "re-run",
            "f.lost",
            "f.doubl",
            "cut",
            "µc off",
            "vault",
            "outage ms",
            "recover ms",
            "calls",
            "statuses"));
    for (PhaseResult r : results) {
      t.append(
          String.format(
              Locale.ROOT,
              "%-22s %8d %8d %5d %7s %7d %7d %5d %8d %6s %9d %10d %6d  %s%s%n",
              r.fault(),
              r.accepted(),
              r.finished(),
              r.lost(),
              r.stepsRerun() < 0 ? "n/a" : r.stepsRerun(),
              r.framesLost(),
              r.framesDoubled(),
              r.streamsCut(),
              r.microsOff(),
              r.vaultOk() ? "ok" : "FAIL",
              r.outageMs(),
              r.recoveryMs(),
              r.modelCalls(),
              r.statuses(),
              r.note().isEmpty() ? "" : "  " + r.note()));
    }
    return t.toString();
  }
}
