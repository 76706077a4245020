package dev.gpilot.contracts.budget;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Objects;

/**
 * Where a budget stands in its current period, as the MissionJob enforces it: the record on {@code
 * gpilot.budget-status.v1} (compacted, key {@link #key()}), written when it changes (at most every
 * {@code GPILOT_BUDGET_STATUS_MS}) and read by the API for {@code GET /api/v1/budgets}.
 *
 * @param revision the budget record's revision this status applies
 * @param periodStart epoch ms; 0 for a {@code total} budget
 * @param periodEnd epoch ms; {@link Long#MAX_VALUE} for a {@code total} budget
 * @param limitMicros the period's limit: the budget's, plus what the last period left when it rolls
 *     over
 * @param spentMicros the exact cost of the attempts of this period that finished
 * @param reservedMicros the worst-case cost of the attempts running now
 * @param heldAttempts attempts waiting for this budget (their missions are PAUSED)
 * @param updatedAt epoch ms
 * @param grants for the wallet ({@link #WALLET}): its grants as drawn so far; null for a budget
 */
public record BudgetStatus(
    String workspaceId,
    String budgetId,
    long revision,
    long periodStart,
    long periodEnd,
    long limitMicros,
    long spentMicros,
    long reservedMicros,
    int heldAttempts,
    boolean deleted,
    long updatedAt,
    List<GrantBalance> grants) {
  /**
   * The wallet's status has this id (no budget can: budget ids are lowercase, this one is not a
   * valid id).
   */
  public static final String WALLET = "_wallet";

  public BudgetStatus {
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(budgetId, "budgetId");
    grants = grants == null ? null : List.copyOf(grants);
  }

  /** A budget's status. */
  public BudgetStatus(
      String workspaceId,
      String budgetId,
      long revision,
      long periodStart,
      long periodEnd,
      long limitMicros,
      long spentMicros,
      long reservedMicros,
      int heldAttempts,
      boolean deleted,
      long updatedAt) {
    this(
        workspaceId,
        budgetId,
        revision,
        periodStart,
        periodEnd,
        limitMicros,
        spentMicros,
        reservedMicros,
        heldAttempts,
        deleted,
        updatedAt,
        null);
  }

  /** What is left to reserve: limit − spent − reserved, never below 0. */
  public long remainingMicros() {
    return Math.max(0, limitMicros - spentMicros - reservedMicros);
  }

  @JsonIgnore
  public String key() {
    return workspaceId + "/" + budgetId;
  }
}
