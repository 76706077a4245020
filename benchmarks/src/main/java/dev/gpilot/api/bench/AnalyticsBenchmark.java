package dev.gpilot.api.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.analytics.CostAnalytics;
import dev.gpilot.api.analytics.CostQuery;
import dev.gpilot.api.analytics.CostTables;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.clickhouse.PriceVersions;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.KafkaTestBroker;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ./gpilot bench analytics [rawRows] [runs]}: the analytics endpoints over 10 M raw cost
 * rows (SPEC.md section 8, target p95 &lt; 100 ms). In a database of its own ({@code
 * bench_analytics}) on the ClickHouse given: the rows of {@link CostRowsGenerator} (30 days up to
 * 20 minutes from now, so the newest minutes' raw-row path has rows to read all along), their
 * minute rollups, a price version. Then:
 *
 * <ol>
 *   <li><b>minutes only</b>: the answers before any sealing (the read path before the coarser
 *       rollups: every minute from {@code cost_rollup_1m FINAL}), computed in this JVM without
 *       HTTP;
 *   <li><b>seal</b>: the time the sealer takes to write the hourly and daily rollups of all 30 days
 *       (live and the price version), once the rows are a minute old as it requires;
 *   <li><b>HTTP</b>: an in-process API (its sealer running as in service) on a free port, each case
 *       {@code runs} times after 5 warm-up requests, one request at a time, timed from send to the
 *       last body byte; the same cases in this JVM without HTTP for comparison;
 *   <li><b>exact</b>: every case's totals against Σ raw rows over the same whole minutes, per
 *       agent.
 * </ol>
 *
 * Prints and saves the JSON. Arguments: clickhouseUrl outputFile [rawRows=10000000] [runs=60].
 */
public final class AnalyticsBenchmark {
  private static final String DATABASE = "bench_analytics";
  private static final String TOKEN = "bench-analytics-token";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** One request the console (or an integration) makes. */
  record Case(
      String name,
      String path,
      long fromOffset,
      long toOffset,
      String model,
      String prices,
      boolean csv) {
    String url(long now) {
      StringBuilder q =
          new StringBuilder(path)
              .append(path.contains("?") ? "&from=" : "?from=")
              .append(Instant.ofEpochMilli(now + fromOffset))
              .append("&to=")
              .append(Instant.ofEpochMilli(now + toOffset));
      if (model != null) {
        q.append("&model=").append(URLEncoder.encode(model, StandardCharsets.UTF_8));
      }
      if (prices != null) {
        q.append("&prices=").append(URLEncoder.encode(prices, StandardCharsets.UTF_8));
      }
      if (csv) {
        q.append("&format=csv");
      }
      return q.toString();
    }
  }

  static final long H = 3_600_000;
  static final long D = 24 * H;

  static List<Case> cases() {
    String costs = "/api/v1/analytics/agent-costs";
    String series = "/api/v1/analytics/cost-series";
    // The console asks from now - range to now + 1 min (its "to" is the next minute, so the current
    // one counts).
    return List.of(
        new Case("agent-costs 24h", costs, -D, 60_000, null, null, false),
        new Case("agent-costs 7d", costs, -7 * D, 60_000, null, null, false),
        new Case("agent-costs 30d", costs, -30 * D - 60_000, 60_000, null, null, false),
        new Case(
            "agent-costs 30d model",
            costs,
            -30 * D - 60_000,
            60_000,
            "gemini-2.5-pro",
            null,
            false),
        new Case("agent-costs 30d csv", costs, -30 * D - 60_000, 60_000, null, null, true),
        new Case(
            "agent-costs 30d prices",
            costs,
            -30 * D - 60_000,
            60_000,
            null,
            CostRowsGenerator.VERSION,
            false),
        new Case("agent-costs 1h", costs, -H, 60_000, null, null, false),
        new Case("cost-series 24h 1h", series + "?bucket=1h", -D, 60_000, null, null, false),
        new Case("cost-series 7d 1h", series + "?bucket=1h", -7 * D, 60_000, null, null, false),
        new Case(
            "cost-series 30d 1d",
            series + "?bucket=1d",
            -30 * D - 60_000,
            60_000,
            null,
            null,
            false),
        new Case(
            "cost-series 30d 1d prices",
            series + "?bucket=1d",
            -30 * D - 60_000,
            60_000,
            null,
            CostRowsGenerator.VERSION,
            false),
        new Case("cost-series 1h 1m", series + "?bucket=1m", -H, 60_000, null, null, false));
  }

  public static void main(String[] args) {
    BenchMain.exitAfter(args, AnalyticsBenchmark::run);
  }

  private static void run(String[] args) throws Exception {
    String clickhouse = args[0];
    Path output = Path.of(args[1]);
    long rawRows = BenchMain.longArg(args, 2, 10_000_000);
    int runs = BenchMain.intArg(args, 3, 60);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("rawRows", rawRows);
    out.put("runs", runs);
    out.put("loadAverageAtStart", CostRowsGenerator.loadAverage());
    out.put("cores", Runtime.getRuntime().availableProcessors());

    ClickHouseClient ch = new ClickHouseClient(clickhouse, DATABASE, Duration.ofMinutes(10));
    ch.withDatabase(null).execute("DROP DATABASE IF EXISTS " + DATABASE);
    ClickHouseMigrations.apply(ch);
    out.put("clickhouse", ch.query("SELECT version() AS v").get(0).get("v").asText());
    long end = Instant.now().getEpochSecond() + 20 * 60;
    long t0 = System.nanoTime();
    System.out.printf("loading %,d raw rows and their rollups into %s ...%n", rawRows, DATABASE);
    CostRowsGenerator.load(ch, "default", rawRows, end);
    CostRowsGenerator.priceVersion(ch, (end - CostRowsGenerator.SPAN) * 1000, end * 1000, rawRows);
    ch.execute("OPTIMIZE TABLE cost_rollup_1m FINAL");
    ch.execute("OPTIMIZE TABLE " + PriceVersions.rollupTable(CostRowsGenerator.VERSION) + " FINAL");
    long loaded = System.nanoTime();
    out.put("loadSeconds", round((loaded - t0) / 1e9));
    out.put("mergeSettleSeconds", round(CostRowsGenerator.settle(ch)));
    out.put("minuteRollupRows", CostRowsGenerator.one(ch, "SELECT count() FROM cost_rollup_1m"));

    CostAnalytics direct = new CostAnalytics(ch, Clock.systemUTC());
    System.out.println("minutes only (before sealing), in this JVM ...");
    out.put("minutesOnlyDirect", directTimes(direct, Math.min(runs, 20)));

    // The sealer seals windows untouched for a minute.
    long wait = 61_000 - (System.nanoTime() - loaded) / 1_000_000;
    if (wait > 0) {
      Thread.sleep(wait);
    }
    long s0 = System.nanoTime();
    int sealed = direct.sealNow();
    out.put(
        "seal",
        Map.of(
            "windows",
            sealed,
            "seconds",
            round((System.nanoTime() - s0) / 1e9),
            "hourRows",
            CostRowsGenerator.one(ch, "SELECT count() FROM cost_rollup_1h"),
            "dayRows",
            CostRowsGenerator.one(ch, "SELECT count() FROM cost_rollup_1d")));
    CostRowsGenerator.settle(ch);

    KafkaTestBroker kafka = new KafkaTestBroker();
    kafka.beforeAll(null);
    ApiOptions options =
        new ApiOptions(
                "127.0.0.1",
                0,
                kafka.bootstrapServers(),
                Files.createTempFile("bench-analytics", ".tokens"),
                1000,
                2)
            .withClickHouse(clickhouse, DATABASE);
    ControlApi api =
        new ControlApi(
                options, TokenAuthenticator.of(Map.of(TOKEN, new Principal("default", "bench"))))
            .start();
    try {
      String base = "http://127.0.0.1:" + api.port();
      System.out.println("over HTTP, sealed ...");
      out.put("http", httpTimes(base, runs));
      out.put("sealedDirect", directTimes(direct, Math.min(runs, 20)));
      out.put("exact", exact(base, ch));
    } finally {
      api.close();
      kafka.afterAll(null);
    }
    out.put("loadAverageAtEnd", CostRowsGenerator.loadAverage());
    String json = Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n";
    Files.createDirectories(output.toAbsolutePath().getParent());
    Files.writeString(output, json);
    System.out.print(json);
    if (System.getenv("GPILOT_BENCH_KEEP") == null) {
      ch.withDatabase(null).execute("DROP DATABASE IF EXISTS " + DATABASE);
    }
  }

  /** p50/p95/max ms and the response size of every case over HTTP. */
  private static Map<String, Object> httpTimes(String base, int runs) throws Exception {
    Map<String, Object> all = new LinkedHashMap<>();
    for (Case c : cases()) {
      List<Long> ms = new ArrayList<>();
      int bytes = 0;
      for (int i = 0; i < runs + 5; i++) {
        String url = c.url(System.currentTimeMillis());
        long s = System.nanoTime();
        HttpResponse<byte[]> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(base + url))
                    .header("Authorization", "Bearer " + TOKEN)
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        long e = System.nanoTime();
        if (r.statusCode() != 200) {
          throw new IllegalStateException(url + ": " + r.statusCode() + " " + new String(r.body()));
        }
        bytes = r.body().length;
        if (i >= 5) {
          ms.add((e - s) / 1_000);
        }
      }
      all.put(c.name(), stats(ms, bytes));
      System.out.printf("  %-28s %s%n", c.name(), all.get(c.name()));
    }
    return all;
  }

  /** The agent-cost cases through {@link CostAnalytics} in this JVM (no HTTP, no JSON). */
  private static Map<String, Object> directTimes(CostAnalytics analytics, int runs) {
    Map<String, Object> all = new LinkedHashMap<>();
    for (Case c : cases()) {
      if (c.csv()) {
        continue;
      }
      List<Long> us = new ArrayList<>();
      for (int i = 0; i < runs + 2; i++) {
        long now = System.currentTimeMillis();
        CostQuery q =
            CostQuery.parse(
                "default",
                Instant.ofEpochMilli(now + c.fromOffset()).toString(),
                Instant.ofEpochMilli(now + c.toOffset()).toString(),
                null,
                c.model(),
                Instant.ofEpochMilli(now));
        CostTables tables = analytics.tables(c.prices());
        long s = System.nanoTime();
        if (c.path().contains("cost-series")) {
          analytics.costSeries(
              q, CostAnalytics.Bucket.parse(c.path().substring(c.path().indexOf('=') + 1)), tables);
        } else {
          analytics.agentCosts(q, null, tables);
        }
        if (i >= 2) {
          us.add((System.nanoTime() - s) / 1_000);
        }
      }
      all.put(c.name(), stats(us, -1));
      System.out.printf("  %-28s %s%n", c.name(), all.get(c.name()));
    }
    return all;
  }

  /** Each agent-cost case's totals per agent, and each series' grand total, against Σ raw rows. */
  private static Map<String, Object> exact(String base, ClickHouseClient ch) throws Exception {
    Map<String, Object> result = new LinkedHashMap<>();
    boolean all = true;
    for (Case c : cases()) {
      long now = System.currentTimeMillis();
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(base + c.url(now)))
                  .header("Authorization", "Bearer " + TOKEN)
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      CostQuery q =
          CostQuery.parse(
              "default",
              Instant.ofEpochMilli(now + c.fromOffset()).toString(),
              Instant.ofEpochMilli(now + c.toOffset()).toString(),
              null,
              c.model(),
              Instant.ofEpochMilli(now));
      String raw = c.prices() == null ? "cost_records" : PriceVersions.rawTable(c.prices());
      Map<String, Long> expected = new TreeMap<>();
      for (JsonNode row :
          ch.query(
              "SELECT agent, sum(cost_micros) AS c FROM "
                  + raw
                  + " WHERE workspace_id ="
                  + " 'default' AND finished_at >= toDateTime("
                  + q.from().getEpochSecond()
                  + ") AND finished_at <"
                  + " toDateTime("
                  + q.to().getEpochSecond()
                  + ")"
                  + (c.model() == null ? "" : " AND model = " + ClickHouseClient.literal(c.model()))
                  + " GROUP BY agent")) {
        expected.put(row.get("agent").asText(), row.get("c").asLong());
      }
      Map<String, Long> answered = new TreeMap<>();
      if (c.csv()) {
        for (String line : r.body().split("\r\n")) {
          if (!line.isEmpty() && !line.startsWith("agent,")) {
            answered.merge(line.split(",")[0], Long.parseLong(line.split(",")[1]), Long::sum);
          }
        }
      } else {
        for (JsonNode row : Json.mapper().readTree(r.body())) {
          answered.merge(
              row.get("agent").asText(),
              row.has("totalCostMicros")
                  ? row.get("totalCostMicros").asLong()
                  : row.get("costMicros").asLong(),
              Long::sum);
        }
      }
      boolean same = answered.equals(expected);
      all &= same;
      long total = expected.values().stream().mapToLong(Long::longValue).sum();
      result.put(
          c.name(),
          Map.of(
              "exact",
              same,
              "totalMicros",
              total,
              "answeredMicros",
              answered.values().stream().mapToLong(Long::longValue).sum()));
    }
    result.put("all", all);
    return result;
  }

  private static Map<String, Object> stats(List<Long> micros, int bytes) {
    List<Long> sorted = new ArrayList<>(micros);
    sorted.sort(Long::compare);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p50Ms", round(pct(sorted, 50) / 1000.0));
    m.put("p95Ms", round(pct(sorted, 95) / 1000.0));
    m.put("maxMs", round(sorted.get(sorted.size() - 1) / 1000.0));
    if (bytes >= 0) {
      m.put("bytes", bytes);
    }
    return m;
  }

  private static long pct(List<Long> sorted, int p) {
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p / 100.0 * sorted.size()) - 1));
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  static String format(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }
}
