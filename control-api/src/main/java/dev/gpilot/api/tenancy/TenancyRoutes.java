package dev.gpilot.api.tenancy;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.Responses;
import dev.gpilot.api.missions.MissionRoutes;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The workspace, key and member endpoints. Handlers only translate HTTP; the service decides. Never
 * cached.
 */
final class TenancyRoutes {
  private final TenancyService service;

  TenancyRoutes(TenancyService service) {
    this.service = service;
  }

  void register(RoutesConfig routes) {
    routes.get(
        "/api/v1/workspaces",
        ctx -> Responses.json(ctx, 200, Map.of("workspaces", service.workspaces(caller(ctx)))));
    routes.post(
        "/api/v1/workspaces",
        ctx -> {
          Principal caller = caller(ctx);
          TenancyRequests.NewWorkspace req = TenancyRequests.workspace(ctx.bodyInputStream());
          ctx.future(
              () ->
                  service
                      .createWorkspace(caller, req)
                      .thenAccept(
                          body -> {
                            ctx.header("Location", "/api/v1/workspaces/" + body.get("workspaceId"));
                            Responses.json(ctx, 201, body);
                          }));
        });
    routes.get("/api/v1/keys", ctx -> Responses.json(ctx, 200, service.keys(caller(ctx))));
    routes.post("/api/v1/keys", create(TenancyRequests::key, service::createKey));
    routes.delete("/api/v1/keys/{keyId}", deleteNamed("keyId", service::revokeKey));
    routes.get("/api/v1/members", ctx -> Responses.json(ctx, 200, service.members(caller(ctx))));
    routes.post("/api/v1/members", create(TenancyRequests::member, service::addMember));
    invitations(routes);
    lifecycle(routes);
  }

  private void lifecycle(RoutesConfig routes) {
    routes.delete("/api/v1/members/{email}", deleteNamed("email", service::removeMember));
    routes.post(
        "/api/v1/workspaces/{id}/transfer",
        ctx -> {
          Principal caller = caller(ctx);
          String id = ctx.pathParam("id");
          TenancyRequests.Transfer req = TenancyRequests.transfer(ctx.bodyInputStream());
          Responses.jsonWhenDone(ctx, 200, () -> service.transferOwnership(caller, id, req));
        });
    routes.delete("/api/v1/workspaces/{id}", deleteNamed("id", service::deleteWorkspace));
  }

  private void invitations(RoutesConfig routes) {
    routes.post("/api/v1/invitations", create(TenancyRequests::invitation, service::invite));
    // Public: the token in the path is the credential (RoutePermissions.PUBLIC).
    routes.post(
        "/api/v1/invitations/{token}/accept",
        ctx -> {
          ctx.header("Cache-Control", "no-store");
          String token = ctx.pathParam("token");
          Responses.jsonWhenDone(ctx, 201, () -> service.accept(token));
        });
  }

  /**
   * The handler of a POST that creates something for the caller: the body is read with {@code
   * parse}, the answer is 201 with what {@code create} completes with.
   */
  static <Q> Handler create(
      Function<InputStream, Q> parse, BiFunction<Principal, Q, CompletableFuture<?>> create) {
    return ctx -> {
      Principal caller = caller(ctx);
      Q req = parse.apply(ctx.bodyInputStream());
      Responses.jsonWhenDone(ctx, 201, () -> create.apply(caller, req));
    };
  }

  /**
   * A DELETE for the caller of what the path parameter {@code param} names; 204 once {@code delete}
   * completes.
   */
  static Handler deleteNamed(
      String param, BiFunction<Principal, String, CompletableFuture<?>> delete) {
    return ctx -> {
      Principal caller = caller(ctx);
      String name = ctx.pathParam(param);
      Responses.noContentWhenDone(ctx, () -> delete.apply(caller, name));
    };
  }

  /** The caller of a tenancy, budget or wallet endpoint; the answer is never cached. */
  static Principal caller(Context ctx) {
    ctx.header("Cache-Control", "no-store");
    return ctx.attribute(MissionRoutes.PRINCIPAL);
  }
}
