package dev.gpilot.api.analytics;

import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.http.Responses;
import dev.gpilot.api.missions.MissionRoutes;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.contracts.agents.PriceTable;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The cost analytics endpoints, scoped to the caller's workspace (SPEC.md section 8): {@code GET
 * /api/v1/analytics/agent-costs} (JSON, or CSV with {@code Accept: text/csv} or {@code
 * ?format=csv}) and {@code GET /api/v1/analytics/cost-series}. Without ClickHouse configured they
 * answer 503.
 */
public final class AnalyticsRoutes {
  static final String CSV_HEADER =
      "agent,totalCostMicros,percentage,steps,missions,promptTokens,outputTokens,thinkingTokens,cachedTokens";

  private final CostAnalytics analytics;
  private final Clock clock;
  private final PriceTable livePrices;

  public AnalyticsRoutes(CostAnalytics analytics, Clock clock) {
    this(analytics, clock, PriceTable.shipped());
  }

  /**
   * @param livePrices the live price table (the job's: {@code GPILOT_PRICE_TABLE} or the shipped
   *     one)
   */
  public AnalyticsRoutes(CostAnalytics analytics, Clock clock, PriceTable livePrices) {
    this.analytics = analytics;
    this.clock = clock;
    this.livePrices = livePrices;
  }

  /**
   * The routes over the ClickHouse the options name (none: every request answers 503), sealing the
   * coarser rollups every {@code GPILOT_COST_SEAL_MS} (default 30 s; 0: only when a read finds an
   * hour to seal).
   */
  public static AnalyticsRoutes of(ApiOptions options) {
    Clock clock = Clock.systemUTC();
    CostAnalytics analytics = null;
    if (options.clickhouseUrl() != null) {
      analytics =
          new CostAnalytics(
                  new ClickHouseClient(
                      options.clickhouseUrl(),
                      options.clickhouseDatabase(),
                      Duration.ofSeconds(30)),
                  clock)
              .startSealer(
                  Duration.ofMillis(
                      Long.parseLong(
                          System.getenv().getOrDefault("GPILOT_COST_SEAL_MS", "30000"))));
    }
    return new AnalyticsRoutes(analytics, clock, PriceTable.load(System.getenv()));
  }

  /** Stops the background sealer. */
  public void close() {
    if (analytics != null) {
      analytics.close();
    }
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/v1/analytics/agent-costs", this::agentCosts);
    routes.get("/api/v1/analytics/cost-series", this::costSeries);
    routes.get("/api/v1/analytics/price-versions", this::priceVersions);
    routes.get("/api/v1/usage", this::usage);
  }

  /**
   * The caller's workspace's usage over a UTC month ({@code month=YYYY-MM}, default this one), JSON
   * or CSV.
   */
  private void usage(Context ctx) {
    Principal caller = ctx.attribute(MissionRoutes.PRINCIPAL);
    java.time.YearMonth month = MonthlyUsage.month(ctx.queryParam("month"), clock.instant());
    boolean csv = csv(ctx);
    MonthlyUsage usage = service().usage(caller.workspaceId(), month);
    ctx.header("Cache-Control", "no-store");
    if (csv) {
      ctx.status(200)
          .contentType("text/csv; charset=utf-8")
          .header("Content-Disposition", "attachment; filename=\"usage-" + usage.month() + ".csv\"")
          .result(usage.csv().getBytes(StandardCharsets.UTF_8));
    } else {
      java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
      body.put("workspaceId", usage.workspaceId());
      body.put("month", usage.month());
      body.put("from", usage.from().toString());
      body.put("to", usage.to().toString());
      body.put("lines", usage.lines());
      body.put("totalMicros", usage.totalMicros());
      Responses.json(ctx, 200, body);
    }
  }

  /**
   * Whether the answer is CSV: {@code format=csv}, or {@code Accept: text/csv} without a format.
   */
  private static boolean csv(Context ctx) {
    String format = ctx.queryParam("format");
    if (format != null && !format.equals("csv") && !format.equals("json")) {
      throw ApiException.badRequest("'format' must be json or csv, got '" + format + "'");
    }
    return "csv".equals(format)
        || (format == null
            && ctx.header("Accept") != null
            && ctx.header("Accept").contains("text/csv"));
  }

  private void agentCosts(Context ctx) {
    CostQuery query = query(ctx);
    Integer top = top(ctx.queryParam("top"));
    boolean csv = csv(ctx);
    List<AgentCost> rows =
        service().agentCosts(query, top, service().tables(ctx.queryParam("prices")));
    if (csv) {
      ctx.status(200)
          .contentType("text/csv; charset=utf-8")
          .header("Content-Disposition", "attachment; filename=\"agent-costs.csv\"")
          .result(csv(rows).getBytes(StandardCharsets.UTF_8));
    } else {
      Responses.json(ctx, 200, rows);
    }
  }

  private void costSeries(Context ctx) {
    CostQuery query = query(ctx);
    CostAnalytics.Bucket bucket = CostAnalytics.Bucket.parse(ctx.queryParam("bucket"));
    Responses.json(
        ctx, 200, service().costSeries(query, bucket, service().tables(ctx.queryParam("prices"))));
  }

  private void priceVersions(Context ctx) {
    Responses.json(ctx, 200, service().priceVersions(livePrices));
  }

  private CostQuery query(Context ctx) {
    Principal caller = ctx.attribute(MissionRoutes.PRINCIPAL);
    return CostQuery.parse(
        caller.workspaceId(),
        ctx.queryParam("from"),
        ctx.queryParam("to"),
        ctx.queryParam("agent"),
        ctx.queryParam("model"),
        clock.instant());
  }

  private CostAnalytics service() {
    if (analytics == null) {
      throw ApiException.unavailable(
          "cost analytics need ClickHouse: set CLICKHOUSE_URL for the API");
    }
    return analytics;
  }

  private static Integer top(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      int top = Integer.parseInt(value.strip());
      if (top >= 1 && top <= 1000) {
        return top;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ApiException.badRequest("'top' must be an integer from 1 to 1000, got '" + value + "'");
  }

  /**
   * RFC 4180: CRLF line ends, a field with a comma, quote or line break is quoted, quotes doubled.
   */
  static String csv(List<AgentCost> rows) {
    StringBuilder out = new StringBuilder(CSV_HEADER).append("\r\n");
    for (AgentCost r : rows) {
      out.append(field(r.agent()))
          .append(',')
          .append(r.totalCostMicros())
          .append(',')
          .append(r.percentage().toPlainString())
          .append(',')
          .append(r.steps())
          .append(',')
          .append(r.missions())
          .append(',')
          .append(r.promptTokens())
          .append(',')
          .append(r.outputTokens())
          .append(',')
          .append(r.thinkingTokens())
          .append(',')
          .append(r.cachedTokens())
          .append("\r\n");
    }
    return out.toString();
  }

  static String field(String value) {
    if (value.contains(",")
        || value.contains("\"")
        || value.contains("\n")
        || value.contains("\r")) {
      return '"' + value.replace("\"", "\"\"") + '"';
    }
    return value;
  }
}
