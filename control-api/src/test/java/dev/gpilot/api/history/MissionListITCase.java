package dev.gpilot.api.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.ApiServer;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.ClickHouseTestServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /api/v1/missions} on the real API over a real ClickHouse {@code missions} table
 * holding summaries as the job writes them (several versions per mission), and the web console the
 * same API serves at {@code /}.
 */
class MissionListITCase {
  @RegisterExtension
  static final ApiServer API =
      ApiServer.builder()
          .token("t-default", new Principal("default", "tester"))
          .token("t-other", new Principal("other", "tester"))
          .clickHouse()
          .alsoWithoutClickHouse()
          .maxMissionsInMemory(1000)
          .build();

  private static final ClickHouseTestServer CLICKHOUSE = API.clickhouse();
  private static final long T0 = 1_764_100_000_000L;

  @BeforeAll
  static void start() throws Exception {
    ClickHouseClient ch = CLICKHOUSE.client();
    ClickHouseMigrations.apply(ch);
    StringBuilder rows = new StringBuilder();
    // 25 missions of "default", one a second; m07 and m13 share a submission time (the cursor must
    // keep both).
    for (int i = 0; i < 25; i++) {
      long submitted = T0 + (i == 13 ? 7 : i) * 1000L;
      String id = String.format("m%02d", i);
      String text = i % 5 == 0 ? "Plan a product LAUNCH number " + i : "Audit the shop, part " + i;
      // the start summary (version 2), then for most the end summary (a higher version)
      rows.append(
              row("default", id, "RUNNING", text, submitted, submitted + 10, 0, 3, 0, 0, 0, "", 2))
          .append(',');
      if (i % 4 != 3) {
        String end = i % 4 == 1 ? "FAILED" : "COMPLETED";
        rows.append(
                row(
                    "default",
                    id,
                    end,
                    text,
                    submitted,
                    submitted + 10,
                    submitted + 1500 + i,
                    3,
                    end.equals("FAILED") ? 2 : 3,
                    end.equals("FAILED") ? 1 : 0,
                    1000L * i,
                    end.equals("FAILED") ? "step s2 failed: boom" : "",
                    9))
            .append(',');
      }
    }
    rows.append(
        row(
            "other",
            "x1",
            "COMPLETED",
            "Plan a product launch elsewhere",
            T0 + 99_000,
            T0 + 99_010,
            T0 + 99_500,
            1,
            1,
            0,
            5,
            "",
            5));
    ch.execute(
        "INSERT INTO missions (workspace_id, mission_id, status, mission, submitted_at, submitted_at_ms,"
            + " started_at_ms, finished_at_ms, steps_total, steps_succeeded, steps_failed, plan, result, reason,"
            + " cost_micros, version) VALUES "
            + rows);
  }

  private static String row(
      String ws,
      String id,
      String status,
      String text,
      long submitted,
      long started,
      long finished,
      int total,
      int ok,
      int failed,
      long cost,
      String reason,
      long version) {
    return "('"
        + ws
        + "', '"
        + id
        + "', '"
        + status
        + "', '"
        + text
        + "', toDateTime("
        + submitted / 1000
        + "), "
        + submitted
        + ", "
        + started
        + ", "
        + finished
        + ", "
        + total
        + ", "
        + ok
        + ", "
        + failed
        + ", '', '', '"
        + reason
        + "', "
        + cost
        + ", "
        + version
        + ")";
  }

  static ApiClient.Response get(ControlApi target, String path, String token, String accept)
      throws Exception {
    return new ApiClient(target.port(), token).get(path, accept);
  }

  static JsonNode list(String query) throws Exception {
    ApiClient.Response response = get(API.api(), "/api/v1/missions" + query, "t-default", null);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElse(""))
        .startsWith("application/json");
    return Json.mapper().readTree(response.body());
  }

  static List<String> ids(JsonNode page) {
    List<String> ids = new ArrayList<>();
    page.get("missions").forEach(m -> ids.add(m.get("missionId").asText()));
    return ids;
  }

  static String cursor(JsonNode page) {
    JsonNode next = page.get("nextCursor");
    return next == null || next.isNull() ? null : next.asText();
  }

  @Test
  void pages_newestFirst_byCursor_everyMissionOnceAcrossPages() throws Exception {
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonNode page = list("?limit=10" + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.get("missions").size()).isLessThanOrEqualTo(10);
      seen.addAll(ids(page));
      cursor = cursor(page);
      pages++;
    } while (cursor != null);

    assertThat(pages).isEqualTo(3);
    assertThat(seen).hasSize(25).doesNotHaveDuplicates();
    assertThat(seen.subList(0, 3)).containsExactly("m24", "m23", "m22");
    // same submission time: by mission id, descending
    assertThat(seen.indexOf("m13")).isEqualTo(seen.indexOf("m07") - 1);
    assertThat(seen).doesNotContain("x1");
  }

  @Test
  void eachMission_showsItsLatestSummary_statusDurationCostSteps() throws Exception {
    JsonNode all = list("?limit=100");
    JsonNode failed = find(all, "m21");
    assertThat(failed.get("status").asText()).isEqualTo("FAILED");
    assertThat(failed.get("durationMs").asLong()).isEqualTo(1521);
    assertThat(failed.get("costMicros").asLong()).isEqualTo(21_000);
    assertThat(failed.get("steps").get("failed").asInt()).isEqualTo(1);
    assertThat(failed.get("reason").asText()).isEqualTo("step s2 failed: boom");
    assertThat(failed.get("links").get("self").asText()).isEqualTo("/api/v1/missions/m21");

    JsonNode running = find(all, "m23");
    assertThat(running.get("status").asText()).isEqualTo("RUNNING");
    assertThat(running.has("durationMs")).isFalse();
    assertThat(running.has("finishedAt")).isFalse();
    assertThat(running.get("startedAt").asLong()).isEqualTo(T0 + 23_010);
  }

  @Test
  void statusFilter_appliesToTheLatestSummary_andTakesSeveral() throws Exception {
    List<String> running = ids(list("?status=RUNNING&limit=100"));
    assertThat(running).containsExactly("m23", "m19", "m15", "m11", "m07", "m03");

    List<String> failedOrRunning = ids(list("?status=failed,running&limit=100"));
    assertThat(failedOrRunning).hasSize(6 + 6).contains("m21", "m01", "m23");
  }

  @Test
  void search_matchesTheMissionTextIgnoringCase_andPagesToo() throws Exception {
    JsonNode first =
        list("?q=" + URLEncoder.encode("product launch", StandardCharsets.UTF_8) + "&limit=3");
    assertThat(ids(first)).containsExactly("m20", "m15", "m10");
    JsonNode second = list("?q=launch&limit=3&cursor=" + cursor(first));
    assertThat(ids(second)).containsExactly("m05", "m00");
    assertThat(cursor(second)).isNull();

    assertThat(ids(list("?q=launch&status=RUNNING"))).containsExactly("m15");
    assertThat(ids(list("?q=" + URLEncoder.encode("it's 'quoted' \\", StandardCharsets.UTF_8))))
        .isEmpty();
  }

  @Test
  void workspaces_seeOnlyTheirOwn() throws Exception {
    ApiClient.Response other = get(API.api(), "/api/v1/missions", "t-other", null);
    assertThat(ids(Json.mapper().readTree(other.body()))).containsExactly("x1");
  }

  @Test
  void badParameters_are400Problems_noTokenIs401_noClickHouseIs503() throws Exception {
    for (String query :
        List.of(
            "?limit=0",
            "?limit=101",
            "?limit=ten",
            "?status=DONE",
            "?cursor=bm9wZQ",
            "?cursor=%25%25",
            "?q=" + "x".repeat(201))) {
      ApiClient.Response response = get(API.api(), "/api/v1/missions" + query, "t-default", null);
      assertThat(response.status()).as(query).isEqualTo(400);
      assertThat(response.headers().firstValue("content-type").orElse(""))
          .startsWith("application/problem+json");
      assertThat(Json.mapper().readTree(response.body()).get("type").asText())
          .isEqualTo("/problems/invalid-request");
    }
    assertThat(get(API.api(), "/api/v1/missions", null, null).status()).isEqualTo(401);
    assertThat(get(API.withoutClickHouse(), "/api/v1/missions", "t-default", null).status())
        .isEqualTo(503);
  }

  @Test
  void console_isServedAtTheRoot_hashedAssetsCachedForever_routesFallBackToTheIndex()
      throws Exception {
    ApiClient.Response index = get(API.api(), "/", null, "text/html");
    assertThat(index.status()).isEqualTo(200);
    assertThat(index.headers().firstValue("content-type").orElse("")).startsWith("text/html");
    assertThat(index.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(index.body()).contains("<div id=\"root\">");

    Matcher script = Pattern.compile("src=\"(/assets/[^\"]+\\.js)\"").matcher(index.body());
    assertThat(script.find()).as(index.body()).isTrue();
    ApiClient.Response asset = get(API.api(), script.group(1), null, null);
    assertThat(asset.status()).isEqualTo(200);
    assertThat(asset.headers().firstValue("content-type").orElse("")).contains("javascript");
    assertThat(asset.headers().firstValue("cache-control"))
        .hasValue("public, max-age=31536000, immutable");

    ApiClient.Response route =
        get(API.api(), "/missions/m21", null, "text/html,application/xhtml+xml");
    assertThat(route.status()).isEqualTo(200);
    assertThat(route.body()).isEqualTo(index.body());
    assertThat(route.headers().firstValue("cache-control")).hasValue("no-cache");

    // unknown API paths, assets and the health check keep their answers, from a browser too
    for (String path : List.of("/api/v1/nope", "/assets/nope-123.js")) {
      ApiClient.Response missing = get(API.api(), path, "t-default", "text/html");
      assertThat(missing.status()).as(path).isEqualTo(404);
      assertThat(missing.headers().firstValue("content-type").orElse(""))
          .as(path)
          .startsWith("application/problem+json");
    }
    assertThat(get(API.api(), "/api/v1/nope", "t-default", "application/json").status())
        .isEqualTo(404);
    assertThat(get(API.api(), "/health", null, "text/html").body()).contains("\"status\"");
  }

  private static JsonNode find(JsonNode page, String id) {
    for (JsonNode m : page.get("missions")) {
      if (m.get("missionId").asText().equals(id)) {
        return m;
      }
    }
    throw new AssertionError("no mission " + id + " in " + page);
  }
}
