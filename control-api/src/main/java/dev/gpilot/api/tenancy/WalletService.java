package dev.gpilot.api.tenancy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseException;
import dev.gpilot.contracts.budget.BudgetStatus;
import dev.gpilot.contracts.budget.GrantBalance;
import dev.gpilot.contracts.tenancy.WalletGrantRecord;
import dev.gpilot.contracts.vault.AuditEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The caller's wallet (SPEC.md section 11, "Wallets"): grants on the control plane (owners add
 * them, with their audit events in the same transaction); the balance as the job draws costs from
 * them (its status on {@code gpilot.budget-status.v1}); the ledger the job writes to ClickHouse.
 */
final class WalletService {
  static final int MAX_LEDGER_ROWS = 10_000;

  private final ControlPlaneStore store;
  private final ControlPlaneWriter writer;
  private final BudgetStatusFeed statuses;
  private final ClickHouseClient clickhouse;
  private final Clock clock;

  WalletService(
      ControlPlaneStore store,
      ControlPlaneWriter writer,
      BudgetStatusFeed statuses,
      ClickHouseClient clickhouse,
      Clock clock) {
    this.store = store;
    this.writer = writer;
    this.statuses = statuses;
    this.clickhouse = clickhouse;
    this.clock = clock;
  }

  /** A new grant (a top-up). {@code 409 grant-exists} when its id is taken. */
  CompletableFuture<Map<String, Object>> grant(Principal caller, WalletRequests.NewGrant req) {
    String ws = caller.workspaceId();
    long now = clock.millis();
    String id =
        req.grantId() != null
            ? req.grantId()
            : "g-" + UUID.randomUUID().toString().substring(0, 12);
    long effectiveAt = req.effectiveAt() == null ? now : req.effectiveAt();
    if (req.expiresAt() != null && (req.expiresAt() <= effectiveAt || req.expiresAt() <= now)) {
      throw ApiException.badRequest("'expiresAt' must be in the future and after 'effectiveAt'");
    }
    return writer.submit(
        view -> {
          if (view.get("wallet-grant/" + ws + "/" + id).isPresent()) {
            throw ApiException.conflict(
                "grant-exists", "the wallet has a grant '" + id + "' already");
          }
          WalletGrantRecord g =
              new WalletGrantRecord(
                  ws,
                  id,
                  req.amountMicros(),
                  effectiveAt,
                  req.expiresAt(),
                  req.priority(),
                  req.note(),
                  now,
                  caller.subject(),
                  1);
          AuditEvent audit =
              AuditEvent.controlPlane(
                  UUID.randomUUID().toString(),
                  ws,
                  now,
                  AuditEvent.WALLET_GRANT,
                  caller.subject(),
                  1,
                  "grant:"
                      + id
                      + " amountMicros="
                      + g.amountMicros()
                      + " priority="
                      + g.priority()
                      + (g.expiresAt() == null ? "" : " expiresAt=" + g.expiresAt()));
          return new ControlPlaneWriter.Computed<>(
              List.of(g), List.of(audit), grantJson(g, null, now));
        });
  }

  /**
   * The wallet: grants with what is left of each, the balance (grants in effect, less what was
   * drawn and lost), what running attempts have reserved, and the burn rate over the last hour
   * (from the ledger).
   */
  Map<String, Object> wallet(Principal caller) {
    String ws = caller.workspaceId();
    long now = clock.millis();
    Optional<BudgetStatus> status = statuses.status(ws, BudgetStatus.WALLET);
    Map<String, GrantBalance> drawn = new LinkedHashMap<>();
    status.map(BudgetStatus::grants).ifPresent(gs -> gs.forEach(g -> drawn.put(g.grantId(), g)));
    List<Map<String, Object>> grants = new ArrayList<>();
    long balance = 0;
    for (WalletGrantRecord g : store.grants(ws)) {
      GrantBalance b = drawn.get(g.grantId());
      grants.add(grantJson(g, b, now));
      if (g.inEffect(now)) {
        balance += b == null ? g.amountMicros() : b.remainingMicros();
      }
    }
    long owed =
        status
            .map(
                s ->
                    Math.max(
                        0,
                        s.spentMicros()
                            - s.grants().stream().mapToLong(GrantBalance::consumedMicros).sum()))
            .orElse(0L);
    long reserved = status.map(BudgetStatus::reservedMicros).orElse(0L);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("workspaceId", ws);
    body.put("active", !grants.isEmpty());
    body.put("balanceMicros", balance - owed);
    body.put("reservedMicros", reserved);
    body.put("availableMicros", Math.max(0, balance - owed - reserved));
    body.put("heldAttempts", status.map(BudgetStatus::heldAttempts).orElse(0));
    body.put("burnRateMicrosPerHour", burnRate(ws, now));
    body.put("statusAt", status.map(BudgetStatus::updatedAt).orElse(null));
    body.put("grants", grants);
    return body;
  }

  /**
   * The ledger's lines from {@code from} to {@code to} (epoch ms), oldest first, at most {@code
   * limit}.
   */
  List<Map<String, Object>> ledger(Principal caller, long from, long to, int limit) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (JsonNode r :
        query(
            "SELECT entry_id, at_ms, kind, grant_id, amount_micros, balance_micros, mission_id, "
                + "step_id, attempt, agent, model FROM wallet_ledger FINAL WHERE workspace_id = "
                + ClickHouseClient.literal(caller.workspaceId())
                + " AND at_ms >= "
                + from
                + " AND at_ms < "
                + to
                + " ORDER BY at_ms, entry_id LIMIT "
                + limit)) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("entryId", r.path("entry_id").asText());
      row.put("at", r.path("at_ms").asLong());
      row.put("kind", r.path("kind").asText());
      row.put("grantId", r.path("grant_id").asText());
      row.put("amountMicros", r.path("amount_micros").asLong());
      row.put("balanceMicros", r.path("balance_micros").asLong());
      row.put("missionId", r.path("mission_id").asText());
      row.put("stepId", r.path("step_id").asText());
      row.put("attempt", r.path("attempt").asInt());
      row.put("agent", r.path("agent").asText());
      row.put("model", r.path("model").asText());
      rows.add(row);
    }
    return rows;
  }

  private long burnRate(String ws, long now) {
    if (clickhouse == null) {
      return 0;
    }
    try {
      List<JsonNode> rows =
          clickhouse.query(
              "SELECT -sum(amount_micros) AS burn FROM wallet_ledger FINAL "
                  + "WHERE workspace_id = "
                  + ClickHouseClient.literal(ws)
                  + " AND kind = 'debit' AND at_ms >= "
                  + (now - 3_600_000L));
      return rows.isEmpty() ? 0 : rows.get(0).path("burn").asLong();
    } catch (ClickHouseException e) {
      return 0;
    }
  }

  private List<JsonNode> query(String sql) {
    if (clickhouse == null) {
      throw ApiException.unavailable(
          "the wallet ledger lives in ClickHouse, which this API has no URL for");
    }
    try {
      return clickhouse.query(sql);
    } catch (ClickHouseException e) {
      throw ApiException.unavailable("ClickHouse could not be read; retry");
    }
  }

  private static Map<String, Object> grantJson(WalletGrantRecord g, GrantBalance drawn, long now) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("grantId", g.grantId());
    m.put("amountMicros", g.amountMicros());
    long consumed = drawn == null ? 0 : drawn.consumedMicros();
    long expired = drawn == null ? 0 : drawn.expiredMicros();
    m.put("consumedMicros", consumed);
    m.put("expiredMicros", expired);
    m.put("remainingMicros", Math.max(0, g.amountMicros() - consumed - expired));
    m.put("effectiveAt", g.effectiveAt());
    m.put("expiresAt", g.expiresAt());
    m.put("priority", g.priority());
    m.put("note", g.note());
    m.put(
        "status",
        g.expiresAt() != null && g.expiresAt() <= now
            ? "expired"
            : g.effectiveAt() > now
                ? "scheduled"
                : consumed >= g.amountMicros() ? "spent" : "active");
    m.put("createdAt", g.createdAt());
    m.put("createdBy", g.createdBy());
    return m;
  }
}
