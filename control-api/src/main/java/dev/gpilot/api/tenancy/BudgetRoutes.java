package dev.gpilot.api.tenancy;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.Responses;
import io.javalin.config.RoutesConfig;

/** The budget endpoints. Handlers only translate HTTP; the service decides. Never cached. */
final class BudgetRoutes {
  private final BudgetService service;

  BudgetRoutes(BudgetService service) {
    this.service = service;
  }

  void register(RoutesConfig routes) {
    routes.get(
        "/api/v1/budgets",
        ctx -> Responses.json(ctx, 200, service.list(TenancyRoutes.caller(ctx))));
    routes.put(
        "/api/v1/budgets/{budgetId}",
        ctx -> {
          Principal caller = TenancyRoutes.caller(ctx);
          String id = ctx.pathParam("budgetId");
          BudgetRequests.BudgetBody req = BudgetRequests.budget(ctx.bodyInputStream());
          Responses.jsonWhenDone(ctx, 200, () -> service.put(caller, id, req));
        });
    routes.delete(
        "/api/v1/budgets/{budgetId}", TenancyRoutes.deleteNamed("budgetId", service::delete));
  }
}
