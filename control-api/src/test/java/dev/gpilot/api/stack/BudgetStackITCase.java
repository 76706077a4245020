package dev.gpilot.api.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.ClickHouseTestServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Budgets as a user meets them, on the stack of {@code ./gpilot up} (API, job, Kafka, stand-in:
 * processes of their own): a hard budget pauses a mission at a step boundary and raising it resumes
 * the mission, across a {@code kill -9} of the job; fifty missions started together against a
 * budget that covers a tenth of them never spend past it, and the budget's spend is exactly the
 * missions' cost.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BudgetStackITCase {
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Pattern WORST = Pattern.compile("may cost up to (\\d+)");

  private static GpilotStack stack;

  /** The first mission's one attempt: what it may cost (the gate's bound) and what it cost. */
  private static long worstMicros;

  private static long costMicros;

  @BeforeAll
  static void up() throws Exception {
    stack =
        GpilotStack.create(
            "stack-budgets", CLICKHOUSE, Map.of("GPILOT_CHECKPOINT_INTERVAL_MS", "1000"));
    stack.up();
  }

  @AfterAll
  static void down() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  void aHardBudgetPausesTheMission_andRaisingItResumesIt_afterTheJobWasKilled() throws Exception {
    String owner = workspace("budget-pause");
    assertThat(
            send(
                    owner,
                    "PUT",
                    "/api/v1/budgets/monthly",
                    "{\"limitMicros\":0,\"period\":\"month\",\"mode\":\"hard\"}")
                .statusCode())
        .isEqualTo(200);
    awaitBudgetKnownToTheJob(owner, "monthly");

    String missionId =
        submit(owner, "{\"planner\":\"deterministic\",\"explicitAgents\":[\"agent-scout\"]}");
    try (EventFollower follower = EventFollower.start(HTTP, stack::api, owner, missionId)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(types(follower)).contains("mission.budget_reached"));
      JsonNode reached =
          follower.events().stream()
              .filter(e -> e.path("type").asText().equals("mission.budget_reached"))
              .findFirst()
              .orElseThrow();
      assertThat(reached.path("status").asText()).isEqualTo("PAUSED");
      assertThat(reached.path("budgetId").asText()).isEqualTo("monthly");
      assertThat(reached.path("stepId").asText()).isEqualTo("s1");
      Matcher worst = WORST.matcher(reached.path("reason").asText());
      assertThat(worst.find()).as(reached.toString()).isTrue();
      worstMicros = Long.parseLong(worst.group(1));
      assertThat(worstMicros).isPositive();
      // Nothing ran: no step started after the hold, no model call was made for it.
      assertThat(types(follower)).doesNotContain("step.completed");
      assertThat(mission(owner, missionId).path("status").asText()).isEqualTo("PAUSED");
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .untilAsserted(
              () -> assertThat(budget(owner, "monthly").path("heldAttempts").asInt()).isEqualTo(1));

      // The job dies while the attempt waits; the restored job still holds it. Killed once a
      // checkpoint has the wait:
      // a job restored from an older one would take the mission up again from before it, and the
      // order in which the
      // budget and the step reach the gate again is not the first run's (SPEC §4: outputs are
      // at-least-once).
      awaitCheckpointAfter(reached.path("ts").asLong());
      stack.kill("job");
      stack.up();
      Thread.sleep(3_000);
      assertThat(types(follower)).doesNotContain("step.completed", "mission.resumed");

      assertThat(
              send(
                      owner,
                      "PUT",
                      "/api/v1/budgets/monthly",
                      "{\"limitMicros\":"
                          + 10 * worstMicros
                          + ",\"period\":\"month\",\"mode\":\"hard\"}")
                  .statusCode())
          .isEqualTo(200);
      assertThat(follower.awaitFinal(Duration.ofMinutes(2)))
          .as("%s\n%s", types(follower), stack.logTails())
          .isTrue();
      costMicros =
          follower.events().stream()
              .filter(e -> e.path("type").asText().equals("step.completed"))
              .mapToLong(e -> e.path("costMicros").asLong())
              .sum();
      List<String> types = types(follower);
      assertThat(types.subList(types.indexOf("mission.budget_reached"), types.size()))
          .as(
              "events (seq:type) %s, %d connection(s)\n%s",
              follower.events().stream()
                  .map(e -> e.path("seq").asLong() + ":" + e.path("type").asText())
                  .toList(),
              follower.connections(),
              stack.logTails())
          .containsSubsequence(
              "mission.budget_reached", "mission.resumed", "step.completed", "mission.completed");
      assertThat(costMicros).isPositive().isLessThanOrEqualTo(worstMicros);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              JsonNode b = budget(owner, "monthly");
              assertThat(b.path("spentMicros").asLong()).isEqualTo(costMicros);
              assertThat(b.path("reservedMicros").asLong()).isZero();
              assertThat(b.path("heldAttempts").asInt()).isZero();
              assertThat(b.path("remainingMicros").asLong())
                  .isEqualTo(10 * worstMicros - costMicros);
            });
    // The AI SDK stream of the finished mission carries the pause as a data part the client
    // renders.
    HttpResponse<String> ui =
        HTTP.send(
            HttpRequest.newBuilder(stack.api("/api/v1/missions/" + missionId + "/stream"))
                .header("Authorization", "Bearer " + owner)
                .timeout(Duration.ofSeconds(30))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ui.body())
        .contains("\"type\":\"data-budget\"")
        .contains("\"state\":\"reached\"")
        .contains("\"state\":\"resumed\"");
  }

  @Test
  @Order(2)
  void fiftyMissionsStartedTogether_againstABudgetThatCoversTen_neverSpendPastIt()
      throws Exception {
    assertThat(worstMicros).as("the first test measured a step's bound").isPositive();
    String owner = workspace("budget-race");
    // One attempt's worst case plus nine attempts' real cost: about ten missions' worth.
    long limit = worstMicros + 9 * costMicros;
    assertThat(
            send(
                    owner,
                    "PUT",
                    "/api/v1/budgets/cap",
                    "{\"limitMicros\":" + limit + ",\"period\":\"total\",\"mode\":\"hard\"}")
                .statusCode())
        .isEqualTo(200);
    awaitBudgetKnownToTheJob(owner, "cap");

    StringBuilder batch = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      // The first test's text: the same prompt, the same worst case.
      batch
          .append("{\"mission\":\"Research the market for bicycles\",\"config\":")
          .append(
              "{\"planner\":\"deterministic\",\"explicitAgents\":[\"agent-scout\"],\"budgetWaitSeconds\":20}}\n");
    }
    HttpResponse<String> accepted =
        HTTP.send(
            HttpRequest.newBuilder(stack.api("/api/v1/missions/batch"))
                .header("Authorization", "Bearer " + owner)
                .header("Content-Type", "application/x-ndjson")
                .header("Accept", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(batch.toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    Json.mapper()
        .readTree(accepted.body())
        .forEach(line -> ids.add(line.path("missionId").asText()));
    assertThat(ids).hasSize(50).doesNotContain("");

    List<EventFollower> followers =
        ids.stream().map(id -> EventFollower.start(HTTP, stack::api, owner, id)).toList();
    long spent = 0;
    Map<String, Long> outcomes;
    try {
      for (EventFollower f : followers) {
        assertThat(f.awaitFinal(Duration.ofMinutes(3)))
            .as("%s: %s", f.missionId(), types(f))
            .isTrue();
      }
      for (EventFollower f : followers) {
        spent +=
            f.events().stream()
                .filter(e -> e.path("type").asText().startsWith("step."))
                .mapToLong(e -> e.path("costMicros").asLong())
                .sum();
      }
      outcomes =
          followers.stream()
              .collect(
                  Collectors.groupingBy(
                      f -> f.events().get(f.events().size() - 1).path("type").asText(),
                      Collectors.counting()));
    } finally {
      followers.forEach(EventFollower::close);
    }
    System.out.printf(
        "budget race: limit %d, worst case per attempt %d, cost per attempt ~%d, spent %d, %s%n",
        limit, worstMicros, costMicros, spent, outcomes);
    assertThat(spent).isLessThanOrEqualTo(limit);
    assertThat(outcomes.getOrDefault("mission.completed", 0L)).isGreaterThanOrEqualTo(2);
    assertThat(outcomes.getOrDefault("mission.budget_exceeded", 0L)).isGreaterThanOrEqualTo(30);
    assertThat(outcomes.keySet()).containsOnly("mission.completed", "mission.budget_exceeded");
    long streamed = spent;
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              JsonNode b = budget(owner, "cap");
              assertThat(b.path("spentMicros").asLong()).isEqualTo(streamed);
              assertThat(b.path("reservedMicros").asLong()).isZero();
              assertThat(b.path("heldAttempts").asInt()).isZero();
            });
  }

  @Test
  @Order(3)
  void aWalletIsDrawnExactly_anEmptyOneHoldsTheMission_andATopUpResumesIt() throws Exception {
    assertThat(worstMicros).as("the first test measured a step's bound").isPositive();
    String owner = workspace("wallet");
    // Enough for one attempt's worst case, not for two.
    long first = worstMicros + costMicros / 2;
    assertThat(
            send(
                    owner,
                    "POST",
                    "/api/v1/wallet/grants",
                    "{\"grantId\":\"welcome\",\"amountMicros\":" + first + ",\"priority\":1}")
                .statusCode())
        .isEqualTo(201);
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(wallet(owner).path("statusAt").isNumber()).isTrue());

    String paid =
        submit(owner, "{\"planner\":\"deterministic\",\"explicitAgents\":[\"agent-scout\"]}");
    long cost;
    try (EventFollower follower = EventFollower.start(HTTP, stack::api, owner, paid)) {
      assertThat(follower.awaitFinal(Duration.ofMinutes(2))).isTrue();
      assertThat(types(follower)).last().isEqualTo("mission.completed");
      cost =
          follower.events().stream()
              .filter(e -> e.path("type").asText().equals("step.completed"))
              .mapToLong(e -> e.path("costMicros").asLong())
              .sum();
    }
    // The balance shows the step's exact cost within seconds of its result.
    await()
        .atMost(Duration.ofSeconds(5))
        .ignoreExceptions()
        .untilAsserted(
            () -> assertThat(wallet(owner).path("balanceMicros").asLong()).isEqualTo(first - cost));

    // What is left cannot cover another attempt's worst case: the next mission waits for the
    // wallet.
    String waiting =
        submit(owner, "{\"planner\":\"deterministic\",\"explicitAgents\":[\"agent-scout\"]}");
    try (EventFollower follower = EventFollower.start(HTTP, stack::api, owner, waiting)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(types(follower)).contains("mission.budget_reached"));
      assertThat(
              follower.events().stream()
                  .filter(e -> e.path("type").asText().equals("mission.budget_reached"))
                  .findFirst()
                  .orElseThrow()
                  .path("budgetId")
                  .asText())
          .isEqualTo("_wallet");
      assertThat(
              send(
                      owner,
                      "POST",
                      "/api/v1/wallet/grants",
                      "{\"grantId\":\"top-up\",\"amountMicros\":" + 10 * worstMicros + "}")
                  .statusCode())
          .isEqualTo(201);
      assertThat(follower.awaitFinal(Duration.ofMinutes(2))).isTrue();
      assertThat(types(follower))
          .containsSubsequence("mission.budget_reached", "mission.resumed", "mission.completed");
    }

    // The ledger: two grants in, the two missions' exact costs out, and its lines add up to the
    // balance.
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              JsonNode ledger =
                  Json.mapper().readTree(send(owner, "GET", "/api/v1/wallet/ledger", null).body());
              List<JsonNode> entries = new ArrayList<>();
              ledger.path("entries").forEach(entries::add);
              assertThat(
                      entries.stream().filter(e -> e.path("kind").asText().equals("grant")).count())
                  .isEqualTo(2);
              long debits =
                  entries.stream()
                      .filter(e -> e.path("kind").asText().equals("debit"))
                      .mapToLong(e -> e.path("amountMicros").asLong())
                      .sum();
              assertThat(debits).isNegative();
              long sum = entries.stream().mapToLong(e -> e.path("amountMicros").asLong()).sum();
              JsonNode w = wallet(owner);
              assertThat(sum).isEqualTo(w.path("balanceMicros").asLong());
              assertThat(first + 10 * worstMicros + debits)
                  .isEqualTo(w.path("balanceMicros").asLong());
              assertThat(w.path("reservedMicros").asLong()).isZero();
              assertThat(w.path("grants").get(0).path("grantId").asText()).isEqualTo("welcome");
            });
    HttpResponse<String> csv = send(owner, "GET", "/api/v1/wallet/ledger?format=csv", null);
    assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
    assertThat(csv.body())
        .startsWith("entry_id,at,kind,grant_id,amount_micros")
        .contains(",grant,welcome,");
  }

  private static JsonNode wallet(String token) throws Exception {
    HttpResponse<String> response = send(token, "GET", "/api/v1/wallet", null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Json.mapper().readTree(response.body());
  }

  /**
   * Waits until the running job has completed a checkpoint triggered after {@code ts} (epoch ms).
   */
  private static void awaitCheckpointAfter(long ts) throws Exception {
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              String job = null;
              for (JsonNode j : flink("/jobs/overview").path("jobs")) {
                if (j.path("state").asText().equals("RUNNING")) {
                  job = j.path("jid").asText();
                }
              }
              assertThat(job).isNotNull();
              assertThat(
                      flink("/jobs/" + job + "/checkpoints")
                          .path("latest")
                          .path("completed")
                          .path("trigger_timestamp")
                          .asLong())
                  .isGreaterThan(ts);
            });
  }

  private static JsonNode flink(String path) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(stack.flink(path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Json.mapper().readTree(response.body());
  }

  /** A new workspace and its owner key. */
  private static String workspace(String name) throws Exception {
    HttpResponse<String> created =
        send(
            stack.token(),
            "POST",
            "/api/v1/workspaces",
            "{\"name\":\"" + name + "-" + UUID.randomUUID().toString().substring(0, 6) + "\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return Json.mapper().readTree(created.body()).path("ownerKey").path("key").asText();
  }

  /**
   * The job reports a budget once its gate has it: then attempts are held by it, not by chance of
   * timing.
   */
  private static void awaitBudgetKnownToTheJob(String token, String budgetId) throws Exception {
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(
            () -> assertThat(budget(token, budgetId).path("statusRevision").isNumber()).isTrue());
  }

  private static String submit(String token, String config) throws Exception {
    HttpResponse<String> response =
        send(
            token,
            "POST",
            "/api/v1/missions",
            "{\"mission\":\"Research the market for bicycles\",\"config\":" + config + "}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return Json.mapper().readTree(response.body()).path("missionId").asText();
  }

  private static JsonNode mission(String token, String missionId) throws Exception {
    return Json.mapper().readTree(send(token, "GET", "/api/v1/missions/" + missionId, null).body());
  }

  private static JsonNode budget(String token, String budgetId) throws Exception {
    HttpResponse<String> response = send(token, "GET", "/api/v1/budgets", null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    for (JsonNode b : Json.mapper().readTree(response.body()).path("budgets")) {
      if (b.path("budgetId").asText().equals(budgetId)) {
        return b;
      }
    }
    throw new AssertionError("no budget " + budgetId + " in " + response.body());
  }

  private static List<String> types(EventFollower follower) {
    return follower.events().stream().map(e -> e.path("type").asText()).toList();
  }

  private static HttpResponse<String> send(String token, String method, String path, String body)
      throws Exception {
    return stack.send(HTTP, Duration.ofSeconds(30), token, method, path, body);
  }
}
