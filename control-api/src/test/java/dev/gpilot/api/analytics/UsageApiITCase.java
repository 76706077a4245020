package dev.gpilot.api.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /api/v1/usage?month=}: a month of a workspace by (agent, model), reconciled with
 * {@code agent-costs} over the same month and with the rows in ClickHouse, the same from a second
 * API instance, CSV, and 400s.
 */
class UsageApiITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Map<String, Principal> TOKENS =
      Map.of(
          "t-u",
          new Principal("usage-ws", "tester"),
          "t-other",
          new Principal("other-ws", "tester"));
  private static final String MONTH = "2026-10";
  private static final long OCT = Instant.parse("2026-10-01T00:00:00Z").getEpochSecond();
  private static final long NOV = Instant.parse("2026-11-01T00:00:00Z").getEpochSecond();

  private static ControlApi api;

  /**
   * (agent, model) → {attempts, input, output, cost} of the month, as inserted (the highest version
   * of a row).
   */
  private static final Map<String, long[]> EXPECTED = new TreeMap<>();

  private static ControlApi start() throws Exception {
    return new ControlApi(
            new ApiOptions("127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 1000, 2)
                .withClickHouse(CLICKHOUSE.url(), CLICKHOUSE.database()),
            TokenAuthenticator.of(TOKENS))
        .start();
  }

  @BeforeAll
  static void setUp() throws Exception {
    ClickHouseClient ch = CLICKHOUSE.client();
    ClickHouseMigrations.apply(ch);
    Random random = new Random(19);
    String[] agents = {"agent-scout", "seo-analyst", "content-orchestrator"};
    String[] models = {"gemini-2.5-flash", "gemini-2.5-pro", ""};
    List<String> values = new ArrayList<>();
    // Minutes across the month and its edges: the minute before and the minute after are outside
    // it.
    long[] minutes = {OCT - 60, OCT, OCT + 3600 * 13 + 60, OCT + 86_400 * 15, NOV - 60, NOV};
    for (long minute : minutes) {
      for (String agent : agents) {
        for (String model : models) {
          long steps = 1 + random.nextInt(5);
          long prompt = random.nextInt(10_000);
          long output = random.nextInt(1_000);
          long cost = random.nextInt(1_000_000);
          // An older version of the row, replaced by the newer one (a re-fired window).
          values.add(row("usage-ws", minute, agent, model, "", 1, 1, 1, 1, 1));
          values.add(row("usage-ws", minute, agent, model, "", steps, prompt, output, cost, 2));
          if (minute >= OCT && minute < NOV) {
            add(agent, model, steps, prompt, output, cost);
          }
        }
      }
    }
    // A straggler slice (a record later than the allowed lateness) and another workspace's row.
    values.add(
        row("usage-ws", OCT + 120, "agent-scout", "gemini-2.5-pro", "m7/s1/1", 1, 11, 2, 4321, 1));
    add("agent-scout", "gemini-2.5-pro", 1, 11, 2, 4321);
    values.add(
        row("other-ws", OCT + 120, "agent-scout", "gemini-2.5-pro", "", 1, 1, 1, 999_999_999, 1));
    ch.execute(
        "INSERT INTO cost_rollup_1m (workspace_id, window_start, agent, model, slice, steps, missions,"
            + " agent_missions, errors, prompt_tokens, output_tokens, thinking_tokens, cached_tokens, cost_micros,"
            + " latency_sum_ms, latency_max_ms, version) VALUES "
            + String.join(",", values));
    api = start();
  }

  private static String row(
      String ws,
      long minute,
      String agent,
      String model,
      String slice,
      long steps,
      long prompt,
      long output,
      long cost,
      long version) {
    return "('"
        + ws
        + "', toDateTime("
        + minute
        + "), '"
        + agent
        + "', '"
        + model
        + "', '"
        + slice
        + "', "
        + steps
        + ", 1, 1, 0, "
        + prompt
        + ", "
        + output
        + ", 3, 0, "
        + cost
        + ", 1, 1, "
        + version
        + ")";
  }

  private static void add(
      String agent, String model, long steps, long prompt, long output, long cost) {
    long[] sums = EXPECTED.computeIfAbsent(agent + "|" + model, k -> new long[4]);
    sums[0] += steps;
    sums[1] += prompt;
    sums[2] += output;
    sums[3] += cost;
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  private static HttpResponse<String> get(ControlApi target, String path, String token)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port() + path))
            .header("Authorization", "Bearer " + token)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body());
  }

  @Test
  void usage_byAgentAndModel_addsUpToAgentCostsOfTheSameMonth_toTheMicroCredit() throws Exception {
    JsonNode usage = json(get(api, "/api/v1/usage?month=" + MONTH, "t-u"));
    assertThat(usage.get("workspaceId").asText()).isEqualTo("usage-ws");
    assertThat(usage.get("month").asText()).isEqualTo(MONTH);
    assertThat(usage.get("from").asText()).isEqualTo("2026-10-01T00:00:00Z");
    assertThat(usage.get("to").asText()).isEqualTo("2026-11-01T00:00:00Z");
    Map<String, long[]> lines = new TreeMap<>();
    long sum = 0;
    for (JsonNode l : usage.get("lines")) {
      lines.put(
          l.get("agent").asText() + "|" + l.get("model").asText(),
          new long[] {
            l.get("attempts").asLong(),
            l.get("inputTokens").asLong(),
            l.get("outputTokens").asLong(),
            l.get("costMicros").asLong()
          });
      sum += l.get("costMicros").asLong();
    }
    assertThat(lines).usingRecursiveComparison().isEqualTo(EXPECTED);
    long expectedTotal = EXPECTED.values().stream().mapToLong(v -> v[3]).sum();
    assertThat(usage.get("totalMicros").asLong()).isEqualTo(sum).isEqualTo(expectedTotal);

    JsonNode agentCosts =
        json(
            get(
                api,
                "/api/v1/analytics/agent-costs?from=2026-10-01T00:00:00Z"
                    + "&to=2026-11-01T00:00:00Z",
                "t-u"));
    long agentTotal = 0;
    for (JsonNode a : agentCosts) {
      agentTotal += a.get("totalCostMicros").asLong();
      long perAgent = 0;
      for (JsonNode l : usage.get("lines")) {
        if (l.get("agent").asText().equals(a.get("agent").asText())) {
          perAgent += l.get("costMicros").asLong();
        }
      }
      assertThat(perAgent).as(a.get("agent").asText()).isEqualTo(a.get("totalCostMicros").asLong());
    }
    assertThat(agentTotal).isEqualTo(usage.get("totalMicros").asLong());
  }

  @Test
  void aSecondFreshInstance_answersTheSame_andTheCsvHasTheSameLines() throws Exception {
    String first = get(api, "/api/v1/usage?month=" + MONTH, "t-u").body();
    try (ControlApi fresh = start()) {
      assertThat(Json.mapper().readTree(get(fresh, "/api/v1/usage?month=" + MONTH, "t-u").body()))
          .isEqualTo(Json.mapper().readTree(first));
    }
    HttpResponse<String> csv = get(api, "/api/v1/usage?month=" + MONTH + "&format=csv", "t-u");
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
    String[] rows = csv.body().split("\r\n");
    assertThat(rows[0]).isEqualTo("agent,model,attempts,inputTokens,outputTokens,costMicros");
    assertThat(rows).hasSize(EXPECTED.size() + 1);
    long sum = 0;
    for (int i = 1; i < rows.length; i++) {
      String[] f = rows[i].split(",", -1);
      sum += Long.parseLong(f[5]);
    }
    assertThat(sum).isEqualTo(Json.mapper().readTree(first).get("totalMicros").asLong());
  }

  @Test
  void anotherWorkspace_seesOnlyItsOwn_andAnEmptyMonthIsZero() throws Exception {
    JsonNode other = json(get(api, "/api/v1/usage?month=" + MONTH, "t-other"));
    assertThat(other.get("lines")).hasSize(1);
    assertThat(other.get("totalMicros").asLong()).isEqualTo(999_999_999L);
    JsonNode empty = json(get(api, "/api/v1/usage?month=2026-08", "t-u"));
    assertThat(empty.get("lines")).isEmpty();
    assertThat(empty.get("totalMicros").asLong()).isZero();
  }

  @Test
  void aBadMonth_is400ProblemJson() throws Exception {
    for (String month :
        List.of(
            "2026-13",
            "2026-1",
            "october",
            "2026-10-01",
            "1969-12",
            "2106-02",
            "9999-01",
            "2026-00")) {
      HttpResponse<String> r = get(api, "/api/v1/usage?month=" + month, "t-u");
      assertThat(r.statusCode()).as(month + " → " + r.body()).isEqualTo(400);
      assertThat(r.headers().firstValue("Content-Type").orElse(""))
          .startsWith("application/problem+json");
      assertThat(Json.mapper().readTree(r.body()).get("type").asText())
          .isEqualTo("/problems/invalid-request");
    }
    assertThat(get(api, "/api/v1/usage?month=2026-10&format=xml", "t-u").statusCode())
        .isEqualTo(400);
  }
}
