package dev.gpilot.api.tenancy;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.http.Responses;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** The wallet endpoints. Handlers only translate HTTP; the service decides. Never cached. */
final class WalletRoutes {
  static final String CSV_HEADER =
      "entry_id,at,kind,grant_id,amount_micros,balance_micros,mission_id,step_id,attempt,agent,model\n";

  private final WalletService service;

  WalletRoutes(WalletService service) {
    this.service = service;
  }

  void register(RoutesConfig routes) {
    routes.get(
        "/api/v1/wallet",
        ctx -> Responses.json(ctx, 200, service.wallet(TenancyRoutes.caller(ctx))));
    routes.post(
        "/api/v1/wallet/grants", TenancyRoutes.create(WalletRequests::grant, service::grant));
    routes.get("/api/v1/wallet/ledger", this::ledger);
  }

  private void ledger(Context ctx) {
    Principal caller = TenancyRoutes.caller(ctx);
    Long from = WalletRequests.instant(ctx.queryParam("from"), "from");
    Long to = WalletRequests.instant(ctx.queryParam("to"), "to");
    long end = to == null ? Long.MAX_VALUE / 2 : to;
    long start = from == null ? 0 : from;
    if (start >= end) {
      throw ApiException.badRequest("'from' must be before 'to'");
    }
    int limit = WalletService.MAX_LEDGER_ROWS;
    String limitText = ctx.queryParam("limit");
    if (limitText != null) {
      try {
        limit = Integer.parseInt(limitText);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > WalletService.MAX_LEDGER_ROWS) {
        throw ApiException.badRequest("'limit' must be 1-" + WalletService.MAX_LEDGER_ROWS);
      }
    }
    String format = ctx.queryParam("format");
    if (format != null && !format.equals("csv") && !format.equals("json")) {
      throw ApiException.badRequest("'format' must be json or csv, got '" + format + "'");
    }
    List<Map<String, Object>> rows = service.ledger(caller, start, end, limit);
    boolean csv =
        "csv".equals(format)
            || (format == null
                && ctx.header("Accept") != null
                && ctx.header("Accept").contains("text/csv"));
    if (csv) {
      StringBuilder out = new StringBuilder(CSV_HEADER);
      for (Map<String, Object> r : rows) {
        out.append(String.join(",", r.values().stream().map(WalletRoutes::csvField).toList()))
            .append('\n');
      }
      ctx.status(200)
          .contentType("text/csv; charset=utf-8")
          .header("Content-Disposition", "attachment; filename=\"wallet-ledger.csv\"")
          .result(out.toString().getBytes(StandardCharsets.UTF_8));
    } else {
      Responses.json(ctx, 200, Map.of("workspaceId", caller.workspaceId(), "entries", rows));
    }
  }

  private static String csvField(Object value) {
    String s = value == null ? "" : value.toString();
    return s.contains(",") || s.contains("\"") || s.contains("\n")
        ? "\"" + s.replace("\"", "\"\"") + "\""
        : s;
  }
}
