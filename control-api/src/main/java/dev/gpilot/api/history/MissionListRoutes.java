package dev.gpilot.api.history;

import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.http.Responses;
import dev.gpilot.api.missions.MissionRoutes;
import dev.gpilot.clickhouse.ClickHouseClient;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/v1/missions?status=&q=&cursor=&limit=}: the caller's missions, newest first, a
 * page at a time (SPEC.md section 2). Without ClickHouse configured it answers 503.
 */
public final class MissionListRoutes {
  private final MissionHistory history;

  public MissionListRoutes(MissionHistory history) {
    this.history = history;
  }

  /** The routes over the ClickHouse the options name (none: every request answers 503). */
  public static MissionListRoutes of(ApiOptions options) {
    return new MissionListRoutes(
        options.clickhouseUrl() == null
            ? null
            : new MissionHistory(
                new ClickHouseClient(
                    options.clickhouseUrl(),
                    options.clickhouseDatabase(),
                    Duration.ofSeconds(30))));
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/v1/missions", this::list);
  }

  private void list(Context ctx) {
    Principal caller = ctx.attribute(MissionRoutes.PRINCIPAL);
    MissionListQuery query =
        MissionListQuery.parse(
            caller.workspaceId(),
            ctx.queryParam("status"),
            ctx.queryParam("q"),
            ctx.queryParam("limit"),
            ctx.queryParam("cursor"));
    if (history == null) {
      throw ApiException.unavailable(
          "the mission list needs ClickHouse: set CLICKHOUSE_URL for the API");
    }
    MissionHistory.Page page = history.list(query);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("missions", page.missions());
    body.put("nextCursor", page.nextCursor());
    Responses.json(ctx, 200, body);
  }
}
