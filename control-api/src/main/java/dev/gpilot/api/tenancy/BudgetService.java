package dev.gpilot.api.tenancy;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.budget.BudgetStatus;
import dev.gpilot.contracts.tenancy.BudgetRecord;
import dev.gpilot.contracts.vault.AuditEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Budgets of the caller's workspace: definitions on the control plane (one fenced writer, with
 * their audit events in the same transaction), where each stands from the job's budget statuses.
 * The job enforces them (SPEC.md section 11, "Budgets").
 */
final class BudgetService {
  private final ControlPlaneStore store;
  private final ControlPlaneWriter writer;
  private final BudgetStatusFeed statuses;
  private final Clock clock;

  BudgetService(
      ControlPlaneStore store, ControlPlaneWriter writer, BudgetStatusFeed statuses, Clock clock) {
    this.store = store;
    this.writer = writer;
    this.statuses = statuses;
    this.clock = clock;
  }

  /** Creates or changes a budget; answers it as {@link #list} shows it. */
  CompletableFuture<Map<String, Object>> put(
      Principal caller, String budgetId, BudgetRequests.BudgetBody req) {
    String ws = caller.workspaceId();
    String id = BudgetRequests.budgetId(budgetId);
    long now = clock.millis();
    return writer.submit(
        view -> {
          Optional<BudgetRecord> held = view.get(key(ws, id)).map(BudgetRecord.class::cast);
          long revision = held.map(b -> b.revision() + 1).orElse(1L);
          BudgetRecord b =
              new BudgetRecord(
                  ws,
                  id,
                  req.limitMicros(),
                  req.period(),
                  req.resetDay(),
                  req.rollover(),
                  req.mode(),
                  req.agent(),
                  req.model(),
                  now,
                  caller.subject(),
                  null,
                  revision);
          AuditEvent audit =
              AuditEvent.controlPlane(
                  UUID.randomUUID().toString(),
                  ws,
                  now,
                  AuditEvent.BUDGET_SET,
                  caller.subject(),
                  revision,
                  target(b));
          return new ControlPlaneWriter.Computed<>(List.of(b), List.of(audit), json(b));
        });
  }

  /**
   * Deletes a budget: attempts waiting only for it go on. 404 for a budget the workspace does not
   * have.
   */
  CompletableFuture<Void> delete(Principal caller, String budgetId) {
    String ws = caller.workspaceId();
    String id = BudgetRequests.budgetId(budgetId);
    long now = clock.millis();
    return writer.submit(
        view -> {
          BudgetRecord b =
              view.get(key(ws, id))
                  .map(BudgetRecord.class::cast)
                  .filter(r -> !r.deleted())
                  .orElseThrow(
                      () -> ApiException.notFound("no budget '" + id + "' in this workspace"));
          BudgetRecord gone =
              new BudgetRecord(
                  ws,
                  id,
                  b.limitMicros(),
                  b.period(),
                  b.resetDay(),
                  b.rollover(),
                  b.mode(),
                  b.agent(),
                  b.model(),
                  now,
                  caller.subject(),
                  now,
                  b.revision() + 1);
          AuditEvent audit =
              AuditEvent.controlPlane(
                  UUID.randomUUID().toString(),
                  ws,
                  now,
                  AuditEvent.BUDGET_DELETE,
                  caller.subject(),
                  gone.revision(),
                  "budget:" + id);
          return new ControlPlaneWriter.Computed<Void>(List.of(gone), List.of(audit), null);
        });
  }

  Map<String, Object> list(Principal caller) {
    String ws = caller.workspaceId();
    List<Map<String, Object>> budgets = new ArrayList<>();
    store.budgets(ws).stream()
        .filter(b -> !b.deleted())
        .sorted(Comparator.comparing(BudgetRecord::budgetId))
        .forEach(b -> budgets.add(json(b)));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("workspaceId", ws);
    body.put("budgets", budgets);
    return body;
  }

  /**
   * A budget with where it stands: {@code spentMicros}, {@code reservedMicros}, {@code
   * remainingMicros} of the current period as the job last reported it ({@code statusAt}); before
   * its first report, nothing spent.
   */
  private Map<String, Object> json(BudgetRecord b) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("budgetId", b.budgetId());
    m.put("limitMicros", b.limitMicros());
    m.put("period", b.period().json());
    m.put("resetDay", b.resetDay());
    m.put("rollover", b.rollover());
    m.put("mode", b.mode().json());
    m.put("agent", b.agent());
    m.put("model", b.model());
    m.put("updatedAt", b.updatedAt());
    m.put("updatedBy", b.updatedBy());
    m.put("revision", b.revision());
    Optional<BudgetStatus> status =
        statuses.status(b.workspaceId(), b.budgetId()).filter(s -> !s.deleted());
    long limit =
        status
            .filter(s -> s.revision() == b.revision())
            .map(BudgetStatus::limitMicros)
            .orElse(b.limitMicros());
    long spent = status.map(BudgetStatus::spentMicros).orElse(0L);
    long reserved = status.map(BudgetStatus::reservedMicros).orElse(0L);
    m.put("periodLimitMicros", limit);
    m.put("spentMicros", spent);
    m.put("reservedMicros", reserved);
    m.put("remainingMicros", Math.max(0, limit - spent - reserved));
    m.put("heldAttempts", status.map(BudgetStatus::heldAttempts).orElse(0));
    m.put("periodStart", status.map(BudgetStatus::periodStart).orElse(null));
    m.put(
        "periodEnd",
        status.map(s -> s.periodEnd() == Long.MAX_VALUE ? null : s.periodEnd()).orElse(null));
    m.put("statusAt", status.map(BudgetStatus::updatedAt).orElse(null));
    m.put("statusRevision", status.map(BudgetStatus::revision).orElse(null));
    return m;
  }

  private static String key(String ws, String id) {
    return "budget/" + ws + "/" + id;
  }

  private static String target(BudgetRecord b) {
    return "budget:"
        + b.budgetId()
        + " limitMicros="
        + b.limitMicros()
        + " period="
        + b.period().json()
        + " mode="
        + b.mode().json()
        + (b.agent() == null ? "" : " agent=" + b.agent())
        + (b.model() == null ? "" : " model=" + b.model());
  }
}
