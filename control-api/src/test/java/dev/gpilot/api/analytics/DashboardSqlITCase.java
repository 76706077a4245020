package dev.gpilot.api.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.ClickHouseTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Grafana dashboard's SQL, as Grafana would send it (the ClickHouse plugin's macros and the
 * dashboard variables substituted), runs on the test ClickHouse (18.16) and shows the costs that
 * are in the rollups.
 */
class DashboardSqlITCase {
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();
  static final Path DASHBOARD = Path.of("..", "dashboards", "gpilot-costs.json");
  static final long T0 = 1_790_000_040L; // a whole minute, epoch seconds
  static final long FROM = T0 - 3_600;
  static final long TO = T0 + 3_600;

  @BeforeAll
  static void rows() {
    ClickHouseClient ch = CLICKHOUSE.client();
    ClickHouseMigrations.apply(ch);
    String cols =
        "(workspace_id, window_start, agent, model, slice, steps, missions, agent_missions, errors,"
            + " prompt_tokens, output_tokens, thinking_tokens, cached_tokens, cost_micros, latency_sum_ms,"
            + " latency_max_ms, version)";
    ch.execute(
        "INSERT INTO cost_rollup_1m "
            + cols
            + " VALUES"
            // a window that fired twice: only version 3 counts
            + " ('default', toDateTime("
            + T0
            + "), 'agent-scout', 'flash', '', 2, 1, 1, 0, 10, 1, 0, 0, 2000000, 5, 3, 2),"
            + " ('default', toDateTime("
            + T0
            + "), 'agent-scout', 'flash', '', 3, 1, 1, 1, 15, 2, 0, 0, 3000000, 9, 4, 3),"
            + " ('default', toDateTime("
            + (T0 + 60)
            + "), 'seo-analyst', 'pro', '', 1, 1, 1, 0, 20, 2, 3, 0, 500000, 1, 1, 1),"
            // a straggler row of the same window
            + " ('default', toDateTime("
            + T0
            + "), 'agent-scout', 'flash', 'm/s/9', 1, 0, 0, 0, 1, 1, 0, 0, 250000, 1, 1, 1),"
            // another workspace, and a minute outside the range
            + " ('other', toDateTime("
            + T0
            + "), 'agent-scout', 'flash', '', 1, 1, 1, 0, 1, 1, 0, 0, 9000000, 1, 1, 1),"
            + " ('default', toDateTime("
            + (TO + 600)
            + "), 'agent-scout', 'flash', '', 1, 1, 1, 0, 1, 1, 0, 0, 7000000, 1, 1, 1)");
  }

  /**
   * What the plugin (vertamedia-clickhouse-datasource) and Grafana substitute before sending a
   * query.
   */
  static String substitute(String sql, JsonNode target) {
    String table = CLICKHOUSE.database() + "." + target.path("table").asText();
    String dateTimeCol = target.path("dateTimeColDataType").asText();
    String out =
        sql.replace("$table", table)
            .replace("$timeSeries", "(intDiv(toUInt32(" + dateTimeCol + "), 60) * 60) * 1000")
            .replace("$workspace", "default")
            .replace("$database", CLICKHOUSE.database());
    Matcher m = Pattern.compile("\\$timeFilterByColumn\\(([a-z_]+)\\)").matcher(out);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(
          sb,
          m.group(1)
              + " >= toDateTime("
              + FROM
              + ") AND "
              + m.group(1)
              + " <= toDateTime("
              + TO
              + ")");
    }
    m.appendTail(sb);
    out =
        sb.toString()
            .replace("$from", String.valueOf(FROM))
            .replace("$to", String.valueOf(TO))
            .replace("$interval", "60");
    assertThat(out).doesNotContain("$");
    return out;
  }

  static List<JsonNode> targets() throws Exception {
    JsonNode dashboard = Json.mapper().readTree(Files.readString(DASHBOARD));
    List<JsonNode> targets = new ArrayList<>();
    dashboard.get("panels").forEach(p -> p.get("targets").forEach(targets::add));
    return targets;
  }

  static List<JsonNode> run(String panelTitle) throws Exception {
    JsonNode dashboard = Json.mapper().readTree(Files.readString(DASHBOARD));
    for (JsonNode panel : dashboard.get("panels")) {
      if (panel.get("title").asText().equals(panelTitle)) {
        JsonNode target = panel.get("targets").get(0);
        return CLICKHOUSE.client().query(substitute(target.get("query").asText(), target));
      }
    }
    throw new AssertionError("no panel " + panelTitle);
  }

  @Test
  void everyPanelQuery_andTheWorkspaceVariable_runOnClickHouse() throws Exception {
    assertThat(targets()).hasSize(3);
    for (JsonNode target : targets()) {
      assertThat(CLICKHOUSE.client().query(substitute(target.get("query").asText(), target)))
          .isNotEmpty();
    }
    JsonNode variable =
        Json.mapper().readTree(Files.readString(DASHBOARD)).get("templating").get("list").get(1);
    List<JsonNode> workspaces =
        CLICKHOUSE.client().query(substitute(variable.get("query").asText(), variable));
    assertThat(workspaces)
        .extracting(r -> r.get("workspace_id").asText())
        .containsExactly("default", "other");
  }

  @Test
  void topAgents_countEachWindowsLatestVersionAndTheStragglers_inTheWorkspaceAndRange()
      throws Exception {
    List<JsonNode> rows = run("Top agents by cost");
    assertThat(rows)
        .extracting(r -> r.get("agent").asText())
        .containsExactly("agent-scout", "seo-analyst");
    assertThat(rows.get(0).get("credits").asDouble()).isEqualTo(3.25);
    assertThat(rows.get(0).get("steps").asLong()).isEqualTo(4);
    assertThat(rows.get(1).get("credits").asDouble()).isEqualTo(0.5);
  }

  @Test
  void costPerModel_andCostPerAgentOverTime_addUpToTheSameTotal() throws Exception {
    List<JsonNode> models = run("Cost per model");
    assertThat(models).extracting(r -> r.get("model").asText()).containsExactly("flash", "pro");
    assertThat(models.get(0).get("tokens").asLong())
        .isEqualTo(17 + 2); // version 3 of the window, and the straggler

    Map<Long, Map<String, Double>> series = new TreeMap<>();
    for (JsonNode row : run("Cost per agent over time (credits)")) {
      Map<String, Double> points = new TreeMap<>();
      row.get("groupArr").forEach(pair -> points.put(pair.get(0).asText(), pair.get(1).asDouble()));
      series.put(row.get("t").asLong(), points);
    }
    assertThat(series).containsOnlyKeys(T0 * 1000, (T0 + 60) * 1000);
    assertThat(series.get(T0 * 1000)).containsExactlyEntriesOf(Map.of("agent-scout", 3.25));
    assertThat(series.get((T0 + 60) * 1000)).containsExactlyEntriesOf(Map.of("seo-analyst", 0.5));
  }
}
