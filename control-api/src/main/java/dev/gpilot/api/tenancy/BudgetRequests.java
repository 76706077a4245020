package dev.gpilot.api.tenancy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.budget.BudgetMode;
import dev.gpilot.contracts.budget.BudgetPeriod;
import dev.gpilot.contracts.tenancy.BudgetRecord;
import java.io.InputStream;
import java.util.Set;

/** Parses {@code PUT /api/v1/budgets/{budgetId}}: strict fields, clear 400s. */
final class BudgetRequests {
  private static final Set<String> FIELDS =
      Set.of("limitMicros", "period", "resetDay", "rollover", "mode", "agent", "model");

  private BudgetRequests() {}

  /** What a budget is to be (the caller's workspace, the path's id). */
  record BudgetBody(
      long limitMicros,
      BudgetPeriod period,
      int resetDay,
      boolean rollover,
      BudgetMode mode,
      String agent,
      String model) {}

  static String budgetId(String id) {
    if (id == null || !BudgetRecord.ID.matcher(id).matches()) {
      throw ApiException.badRequest(
          "the budget id must be 1-63 of a-z 0-9 - starting with a letter or digit");
    }
    return id;
  }

  static BudgetBody budget(InputStream body) {
    JsonNode json = TenancyRequests.object(body, FIELDS);
    JsonNode limit = json.get("limitMicros");
    if (limit == null
        || !limit.isIntegralNumber()
        || !limit.canConvertToLong()
        || limit.asLong() < 0) {
      throw ApiException.badRequest(
          "'limitMicros' is required: a whole number of micro-credits, 0 or more");
    }
    BudgetPeriod period;
    BudgetMode mode;
    try {
      period = BudgetPeriod.parse(TenancyRequests.optionalText(json, "period"));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("'period' is required: one of day, week, month, total");
    }
    try {
      mode = BudgetMode.parse(TenancyRequests.optionalText(json, "mode"));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("'mode' is required: hard or soft");
    }
    int resetDay = 0;
    JsonNode reset = json.get("resetDay");
    if (reset != null && !reset.isNull()) {
      if (!reset.isIntegralNumber() || !reset.canConvertToInt()) {
        throw ApiException.badRequest("'resetDay' must be a whole number");
      }
      resetDay = reset.asInt();
      if (period != BudgetPeriod.WEEK && period != BudgetPeriod.MONTH) {
        throw ApiException.badRequest("'resetDay' applies to week and month budgets only");
      }
    }
    try {
      resetDay = period.checkResetDay(resetDay);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("'" + e.getMessage().replaceFirst("resetDay", "resetDay'"));
    }
    boolean rollover = false;
    JsonNode roll = json.get("rollover");
    if (roll != null && !roll.isNull()) {
      if (!roll.isBoolean()) {
        throw ApiException.badRequest("'rollover' must be true or false");
      }
      rollover = roll.asBoolean();
    }
    if (rollover && period == BudgetPeriod.TOTAL) {
      throw ApiException.badRequest("'rollover' needs a period that ends: day, week or month");
    }
    String agent = TenancyRequests.optionalText(json, "agent");
    String model = TenancyRequests.optionalText(json, "model");
    if (agent != null && (agent.isBlank() || agent.length() > 64)) {
      throw ApiException.badRequest("'agent' must be an agent's name");
    }
    if (model != null && (model.isBlank() || model.length() > 128)) {
      throw ApiException.badRequest("'model' must be a model's name");
    }
    return new BudgetBody(limit.asLong(), period, resetDay, rollover, mode, agent, model);
  }
}
