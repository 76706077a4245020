package dev.gpilot.contracts.tenancy;

import dev.gpilot.contracts.budget.BudgetMode;
import dev.gpilot.contracts.budget.BudgetPeriod;
import java.util.regex.Pattern;

/**
 * A spending limit of a workspace, optionally narrowed to one agent and/or one model: {@code
 * limitMicros} per {@code period}. The MissionJob enforces it before each step attempt (SPEC.md
 * section 11, "Budgets").
 *
 * @param budgetId 1–63 of {@code a-z 0-9 -}, unique in the workspace
 * @param limitMicros the limit per period, micro-credits, ≥ 0
 * @param resetDay the day a period starts: 1–28 of the month for {@code month}, 1 (Monday) – 7 for
 *     {@code week}; ignored (1) otherwise
 * @param rollover whether what a period leaves unspent is added to the next period's limit
 * @param mode {@code hard}: pauses missions that it cannot cover; {@code soft}: alerts only
 * @param agent only attempts of this agent count, or null for all
 * @param model only attempts on this model count, or null for all
 * @param deletedAt epoch milliseconds when the budget was deleted; null while in force
 */
public record BudgetRecord(
    String workspaceId,
    String budgetId,
    long limitMicros,
    BudgetPeriod period,
    int resetDay,
    boolean rollover,
    BudgetMode mode,
    String agent,
    String model,
    long updatedAt,
    String updatedBy,
    Long deletedAt,
    long revision)
    implements ControlPlaneRecord {
  public static final String TYPE = "budget";
  public static final Pattern ID = ControlPlaneRecord.WORKSPACE_ID;

  public BudgetRecord {
    ControlPlaneRecord.requireWorkspaceId(workspaceId);
    if (budgetId == null || !ID.matcher(budgetId).matches()) {
      throw new IllegalArgumentException(
          "budgetId must be 1-63 of a-z 0-9 - starting with a letter or digit");
    }
    if (limitMicros < 0) {
      throw new IllegalArgumentException("limitMicros must be >= 0");
    }
    if (period == null) {
      throw new IllegalArgumentException("period must be one of day, week, month, total");
    }
    if (mode == null) {
      throw new IllegalArgumentException("mode must be hard or soft");
    }
    resetDay = period.checkResetDay(resetDay);
    agent = agent == null || agent.isBlank() ? null : agent;
    model = model == null || model.isBlank() ? null : model;
    ControlPlaneRecord.requireText(updatedBy, "updatedBy");
  }

  /**
   * Whether an attempt of {@code attemptAgent} on {@code attemptModel} counts against this budget.
   */
  public boolean covers(String attemptAgent, String attemptModel) {
    return (agent == null || agent.equals(attemptAgent))
        && (model == null || model.equals(attemptModel));
  }

  public boolean deleted() {
    return deletedAt != null;
  }

  @Override
  public String key() {
    return "budget/" + workspaceId + "/" + budgetId;
  }
}
