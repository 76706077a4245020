package dev.gpilot.api.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.ApiServer;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.clickhouse.PriceVersions;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.ClickHouseTestServer;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The analytics endpoints over HTTP against rows in ClickHouse: the read path (latest rollup
 * versions, stragglers, raw rows for the minute not rolled up yet), filters, top N, CSV, workspace
 * scoping and the 400/401/503 answers.
 */
class AnalyticsApiITCase {
  private static final Map<String, Principal> TOKENS =
      Map.of(
          "t-default",
          new Principal("default", "tester"),
          "t-other",
          new Principal("other", "tester"));

  @RegisterExtension
  static final ApiServer API =
      ApiServer.builder()
          .maxMissionsInMemory(1000)
          .tokens(TOKENS)
          .clickHouse()
          .alsoWithoutClickHouse()
          .build();

  private static final ClickHouseTestServer CLICKHOUSE = API.clickhouse();

  static ControlApi api;
  static ControlApi apiWithoutClickHouse;

  /** A whole minute an hour ago (rolled up) and the current minute (raw rows only). */
  static long past;

  static long now;

  @BeforeAll
  static void start() throws Exception {
    api = API.api();
    apiWithoutClickHouse = API.withoutClickHouse();

    ClickHouseClient ch = CLICKHOUSE.client();
    ClickHouseMigrations.apply(ch);
    now = Instant.now().getEpochSecond() / 60 * 60;
    past = now - 3600;
    String cols =
        "(workspace_id, window_start, agent, model, slice, steps, missions, agent_missions, errors,"
            + " prompt_tokens, output_tokens, thinking_tokens, cached_tokens, cost_micros, latency_sum_ms,"
            + " latency_max_ms, version)";
    ch.execute(
        "INSERT INTO cost_rollup_1m "
            + cols
            + " VALUES"
            + " ('default', toDateTime("
            + past
            + "), 'agent-scout', 'flash', '', 1, 1, 1, 0, 100, 10, 1, 5, 1000, 7, 7, 1),"
            + " ('default', toDateTime("
            + past
            + "), 'agent-scout', 'flash', '', 2, 2, 2, 1, 200, 20, 2, 10, 3000, 9, 7, 2),"
            + " ('default', toDateTime("
            + past
            + "), 'agent-scout', 'pro', '', 1, 1, 0, 0, 50, 5, 0, 0, 2000, 3, 3, 1),"
            + " ('default', toDateTime("
            + (past + 60)
            + "), 'seo-analyst', 'flash', '', 1, 1, 1, 0, 10, 1, 0, 0, 1000, 1, 1, 1),"
            + " ('default', toDateTime("
            + (past + 60)
            + "), 'seo-analyst', 'flash', 'm9/s1/1', 1, 0, 0, 0, 10, 1, 0, 0, 500, 1, 1, 1),"
            + " ('default', toDateTime("
            + (past + 120)
            + "), 'ui-auditor', 'flash', '', 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1),"
            + " ('other', toDateTime("
            + past
            + "), 'agent-scout', 'flash', '', 1, 1, 1, 0, 1, 1, 1, 1, 999999, 1, 1, 1),"
            // two versions of a minute weeks back, where a 30-day read is split in time (with 2
            // server threads)
            + " ('default', toDateTime("
            + splitMinute()
            + "), 'agent-scout', 'flash', '', 1, 1, 1, 0, 1, 1, 0, 0, 5000,"
            + " 1, 1, 1),"
            + " ('default', toDateTime("
            + splitMinute()
            + "), 'agent-scout', 'flash', '', 2, 1, 1, 0, 2, 2, 0, 0, 7000,"
            + " 1, 1, 2)");
    String raw =
        "(id, workspace_id, mission_id, step_id, attempt, agent, model, succeeded, prompt_tokens,"
            + " output_tokens, thinking_tokens, cached_tokens, cost_micros, price_version, started_at_ms, finished_at_ms,"
            + " finished_at, latency_ms, new_mission, new_agent_mission)";
    long ms = (now + 5) * 1000;
    ch.execute(
        "INSERT INTO cost_records "
            + raw
            + " VALUES"
            // the current minute, one row sent twice: counted once
            + " ('m1/s1/1', 'default', 'm1', 's1', 1, 'agent-scout', 'flash', 1, 10, 1, 0, 0, 400, 'v', "
            + ms
            + ", "
            + ms
            + ", toDateTime("
            + (now + 5)
            + "), 3, 1, 1),"
            + " ('m1/s1/1', 'default', 'm1', 's1', 1, 'agent-scout', 'flash', 1, 10, 1, 0, 0, 400, 'v', "
            + ms
            + ", "
            + ms
            + ", toDateTime("
            + (now + 5)
            + "), 3, 1, 1),"
            // a raw row of a minute already rolled up: the rollup counts it
            + " ('m0/s1/1', 'default', 'm0', 's1', 1, 'agent-scout', 'flash', 1, 10, 1, 0, 0, 3000, 'v', "
            + past * 1000
            + ", "
            + past * 1000
            + ", toDateTime("
            + past
            + "), 3, 1, 1)");
  }

  static ApiClient.Response get(ControlApi target, String path, String token, String accept)
      throws Exception {
    return new ApiClient(target.port(), token).get(path, accept);
  }

  static String range() {
    return "from=" + Instant.ofEpochSecond(past - 600) + "&to=" + Instant.ofEpochSecond(now + 60);
  }

  static String thirtyDays() {
    return "from="
        + Instant.ofEpochSecond(now - 30 * 86_400)
        + "&to="
        + Instant.ofEpochSecond(now + 60);
  }

  /** Where a 30-day read of the rollups splits in two. */
  static long splitMinute() {
    return CostAnalytics.groups(List.of(new RangePlan.Segment(60, now - 30 * 86_400, now + 60)), 2)
        .get(1)
        .get(0)
        .from();
  }

  static JsonNode json(ApiClient.Response response) throws Exception {
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElse(""))
        .startsWith("application/json");
    return Json.mapper().readTree(response.body());
  }

  @Test
  void priceVersions_listTheLiveAndTheReplayedOnes_andPricesReadsAVersionsTables()
      throws Exception {
    ClickHouseClient ch = CLICKHOUSE.client();
    String version = "2026-12+repriced";
    PriceVersions.createTables(ch, version);
    ch.execute(
        "INSERT INTO "
            + PriceVersions.rollupTable(version)
            + " (workspace_id, window_start, agent, model,"
            + " slice, steps, missions, agent_missions, errors, prompt_tokens, output_tokens, thinking_tokens,"
            + " cached_tokens, cost_micros, latency_sum_ms, latency_max_ms, version) VALUES"
            + " ('default', toDateTime("
            + past
            + "), 'agent-scout', 'flash', '', 3, 2, 2, 1, 300, 30, 3, 15, 7777, 9, 7, 3),"
            + " ('other', toDateTime("
            + past
            + "), 'agent-scout', 'flash', '', 1, 1, 1, 0, 1, 1, 1, 1, 5, 1, 1, 1)");
    PriceVersions.record(
        ch,
        version,
        "{\"version\": \"2026-12\", \"prices\": []}",
        past * 1000,
        (past + 60) * 1000,
        3,
        1_764_000_000_000L);

    JsonNode versions = json(get(api, "/api/v1/analytics/price-versions", "t-default", null));
    assertThat(versions).hasSize(2);
    assertThat(versions.get(0).get("version").asText()).isEqualTo("live");
    assertThat(versions.get(0).get("live").asBoolean()).isTrue();
    assertThat(versions.get(0).get("prices").get("version").asText()).isEqualTo("2026-01-15");
    assertThat(versions.get(0).get("from").asText()).isNotEmpty();
    JsonNode replayed = versions.get(1);
    assertThat(replayed.get("version").asText()).isEqualTo(version);
    assertThat(replayed.get("live").asBoolean()).isFalse();
    assertThat(replayed.get("createdAt").asText())
        .isEqualTo(Instant.ofEpochMilli(1_764_000_000_000L).toString());
    assertThat(replayed.get("from").asText()).isEqualTo(Instant.ofEpochSecond(past).toString());
    assertThat(replayed.get("to").asText()).isEqualTo(Instant.ofEpochSecond(past + 60).toString());
    assertThat(replayed.get("prices").get("version").asText()).isEqualTo("2026-12");

    String prices = "&prices=" + URLEncoder.encode(version, StandardCharsets.UTF_8);
    JsonNode rows =
        json(get(api, "/api/v1/analytics/agent-costs?" + range() + prices, "t-default", null));
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).get("agent").asText()).isEqualTo("agent-scout");
    assertThat(rows.get(0).get("totalCostMicros").asLong()).isEqualTo(7777);
    assertThat(rows.get(0).get("steps").asLong()).isEqualTo(3);
    JsonNode series =
        json(
            get(
                api,
                "/api/v1/analytics/cost-series?bucket=1m&" + range() + prices,
                "t-default",
                null));
    assertThat(series).hasSize(1);
    assertThat(series.get(0).get("costMicros").asLong()).isEqualTo(7777);
    // "live" is the default.
    assertThat(
            json(
                get(
                    api,
                    "/api/v1/analytics/agent-costs?" + range() + "&prices=live",
                    "t-default",
                    null)))
        .isEqualTo(json(get(api, "/api/v1/analytics/agent-costs?" + range(), "t-default", null)));

    ApiClient.Response unknown =
        get(api, "/api/v1/analytics/agent-costs?prices=never-replayed", "t-default", null);
    assertThat(unknown.status()).as(unknown.body()).isEqualTo(404);
    assertThat(unknown.headers().firstValue("content-type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(Json.mapper().readTree(unknown.body()).get("detail").asText())
        .contains("no price version 'never-replayed'");
    assertThat(
            get(api, "/api/v1/analytics/cost-series?prices=never-replayed", "t-default", null)
                .status())
        .isEqualTo(404);
    ApiClient.Response malformed =
        get(api, "/api/v1/analytics/agent-costs?prices=%27%3B%20DROP", "t-default", null);
    assertThat(malformed.status()).as(malformed.body()).isEqualTo(400);
    assertThat(Json.mapper().readTree(malformed.body()).get("detail").asText())
        .contains("'prices'");
    assertThat(get(api, "/api/v1/analytics/price-versions", null, null).status()).isEqualTo(401);
    assertThat(
            get(apiWithoutClickHouse, "/api/v1/analytics/price-versions", "t-default", null)
                .status())
        .isEqualTo(503);
  }

  @Test
  void
      agentCosts_latestRollupVersionsStragglersAndTheCurrentMinuteFromRawRows_sortedWithPercentages()
          throws Exception {
    JsonNode rows = json(get(api, "/api/v1/analytics/agent-costs?" + range(), "t-default", null));

    assertThat(rows)
        .extracting(r -> r.get("agent").asText())
        .containsExactly("agent-scout", "seo-analyst", "ui-auditor");
    JsonNode scout = rows.get(0);
    assertThat(scout.get("totalCostMicros").asLong()).isEqualTo(3000 + 2000 + 400);
    assertThat(scout.get("steps").asLong()).isEqualTo(2 + 1 + 1);
    assertThat(scout.get("missions").asLong()).isEqualTo(2 + 0 + 1);
    assertThat(scout.get("promptTokens").asLong()).isEqualTo(200 + 50 + 10);
    assertThat(scout.get("cachedTokens").asLong()).isEqualTo(10);
    assertThat(rows.get(1).get("totalCostMicros").asLong()).isEqualTo(1500);
    BigDecimal total = BigDecimal.ZERO;
    for (JsonNode r : rows) {
      total = total.add(r.get("percentage").decimalValue());
    }
    assertThat(total).isEqualByComparingTo("100");
    assertThat(rows.get(2).get("percentage").decimalValue()).isEqualByComparingTo("0.01");
  }

  @Test
  void agentCosts_overThirtyDays_readInRangesSplitInTime_countEachMinuteOnce() throws Exception {
    JsonNode hour = json(get(api, "/api/v1/analytics/agent-costs?" + range(), "t-default", null));
    JsonNode month =
        json(get(api, "/api/v1/analytics/agent-costs?" + thirtyDays(), "t-default", null));

    assertThat(month)
        .extracting(r -> r.get("agent").asText())
        .containsExactly("agent-scout", "seo-analyst", "ui-auditor");
    // The minute weeks back counts once, at its highest version.
    assertThat(month.get(0).get("totalCostMicros").asLong())
        .isEqualTo(hour.get(0).get("totalCostMicros").asLong() + 7000);
    assertThat(month.get(0).get("steps").asLong()).isEqualTo(hour.get(0).get("steps").asLong() + 2);
    assertThat(month.get(1).get("totalCostMicros")).isEqualTo(hour.get(1).get("totalCostMicros"));
  }

  @Test
  void agentCosts_filtersByModel_andTopFoldsTheRestIntoOther() throws Exception {
    JsonNode pro =
        json(get(api, "/api/v1/analytics/agent-costs?model=pro&" + range(), "t-default", null));
    assertThat(pro).hasSize(1);
    assertThat(pro.get(0).get("totalCostMicros").asLong()).isEqualTo(2000);
    assertThat(pro.get(0).get("missions").asLong()).isEqualTo(1);
    assertThat(pro.get(0).get("percentage").decimalValue()).isEqualByComparingTo("100");

    JsonNode top =
        json(get(api, "/api/v1/analytics/agent-costs?top=1&" + range(), "t-default", null));
    assertThat(top)
        .extracting(r -> r.get("agent").asText())
        .containsExactly("agent-scout", CostAnalytics.OTHER);
    assertThat(top.get(1).get("totalCostMicros").asLong()).isEqualTo(1501);

    JsonNode seo =
        json(
            get(
                api,
                "/api/v1/analytics/agent-costs?agent=seo-analyst&" + range(),
                "t-default",
                null));
    assertThat(seo).extracting(r -> r.get("agent").asText()).containsExactly("seo-analyst");
  }

  @Test
  void agentCosts_asCsv_byAcceptHeaderOrFormatParameter() throws Exception {
    for (String query : List.of("?format=csv&" + range(), "?" + range())) {
      ApiClient.Response csv =
          get(api, "/api/v1/analytics/agent-costs" + query, "t-default", "text/csv");
      assertThat(csv.status()).isEqualTo(200);
      assertThat(csv.headers().firstValue("content-type").orElse("")).startsWith("text/csv");
      assertThat(csv.body())
          .isEqualTo(
              AnalyticsRoutes.CSV_HEADER
                  + "\r\n"
                  + "agent-scout,5400,78.25,4,3,260,26,2,10\r\n"
                  + "seo-analyst,1500,21.74,2,1,20,2,0,0\r\n"
                  + "ui-auditor,1,0.01,1,1,1,1,0,0\r\n");
    }
  }

  @Test
  void costSeries_perBucketAgentAndModel_includingTheCurrentPartialMinute() throws Exception {
    JsonNode minutes =
        json(get(api, "/api/v1/analytics/cost-series?bucket=1m&" + range(), "t-default", null));
    assertThat(minutes)
        .extracting(
            r ->
                r.get("bucketStart").asText()
                    + " "
                    + r.get("agent").asText()
                    + " "
                    + r.get("model").asText()
                    + " "
                    + r.get("costMicros").asLong())
        .containsExactly(
            Instant.ofEpochSecond(past) + " agent-scout flash 3000",
            Instant.ofEpochSecond(past) + " agent-scout pro 2000",
            Instant.ofEpochSecond(past + 60) + " seo-analyst flash 1500",
            Instant.ofEpochSecond(past + 120) + " ui-auditor flash 1",
            Instant.ofEpochSecond(now) + " agent-scout flash 400");
    assertThat(minutes.get(0).get("latencyMaxMs").asLong()).isEqualTo(7);
    assertThat(minutes.get(0).get("errors").asLong()).isEqualTo(1);

    JsonNode days =
        json(
            get(
                api,
                "/api/v1/analytics/cost-series?bucket=1d&agent=agent-scout&" + range(),
                "t-default",
                null));
    long costs = 0;
    for (JsonNode r : days) {
      costs += r.get("costMicros").asLong();
      assertThat(Instant.parse(r.get("bucketStart").asText()).getEpochSecond() % 86_400).isZero();
    }
    assertThat(costs).isEqualTo(5400);
  }

  @Test
  void anotherWorkspace_seesOnlyItsOwnCosts() throws Exception {
    JsonNode rows = json(get(api, "/api/v1/analytics/agent-costs?" + range(), "t-other", null));
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).get("totalCostMicros").asLong()).isEqualTo(999999);
  }

  @Test
  void badRequests_are400ProblemsWithTheReason() throws Exception {
    Map<String, String> cases =
        Map.of(
            "/api/v1/analytics/agent-costs?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            "must be before",
            "/api/v1/analytics/agent-costs?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            "400 days",
            "/api/v1/analytics/agent-costs?from=yesterday",
            "ISO-8601",
            "/api/v1/analytics/cost-series?bucket=5m",
            "1m, 1h or 1d",
            "/api/v1/analytics/agent-costs?top=0",
            "'top'",
            "/api/v1/analytics/agent-costs?agent="
                + URLEncoder.encode("x' OR 1=1", StandardCharsets.UTF_8),
            "'agent'",
            "/api/v1/analytics/cost-series?bucket=1m&from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            "buckets",
            "/api/v1/analytics/agent-costs?from=%2B300000000-01-01T00:00:00Z&to=%2B300000000-06-01T00:00:00Z",
            "from 1970-01-01T00:00:00Z to 2106-02-07T06:28:15Z",
            "/api/v1/analytics/cost-series?from=%2B300000000-01-01T00:00:00Z&to=%2B300000000-06-01T00:00:00Z",
            "from 1970-01-01T00:00:00Z to 2106-02-07T06:28:15Z",
            "/api/v1/analytics/agent-costs?from=1969-12-31T00:00:00Z&to=1970-01-01T10:00:00Z",
            "from 1970-01-01T00:00:00Z to 2106-02-07T06:28:15Z");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      ApiClient.Response response = get(api, c.getKey(), "t-default", null);
      assertThat(response.status()).as(c.getKey()).isEqualTo(400);
      assertThat(response.headers().firstValue("content-type").orElse(""))
          .startsWith("application/problem+json");
      JsonNode problem = Json.mapper().readTree(response.body());
      assertThat(problem.get("type").asText()).isEqualTo("/problems/invalid-request");
      assertThat(problem.get("status").asInt()).isEqualTo(400);
      assertThat(problem.get("detail").asText()).as(c.getKey()).contains(c.getValue());
    }
    assertThat(get(api, "/api/v1/analytics/agent-costs", null, null).status()).isEqualTo(401);
  }

  @Test
  void withoutClickHouse_analyticsAnswer503() throws Exception {
    ApiClient.Response response =
        get(apiWithoutClickHouse, "/api/v1/analytics/agent-costs", "t-default", null);
    assertThat(response.status()).isEqualTo(503);
    assertThat(Json.mapper().readTree(response.body()).get("detail").asText())
        .contains("CLICKHOUSE_URL");
  }
}
