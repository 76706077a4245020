package dev.gpilot.api.tenancy;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.Responses;
import dev.gpilot.api.missions.MissionRoutes;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Map;

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
    routes.post(
        "/api/v1/keys",
        ctx -> {
          Principal caller = caller(ctx);
          TenancyRequests.NewKey req = TenancyRequests.key(ctx.bodyInputStream());
          Responses.jsonWhenDone(ctx, 201, () -> service.createKey(caller, req));
        });
    routes.delete(
        "/api/v1/keys/{keyId}",
        ctx -> {
          Principal caller = caller(ctx);
          String keyId = ctx.pathParam("keyId");
          Responses.noContentWhenDone(ctx, () -> service.revokeKey(caller, keyId));
        });
    routes.get("/api/v1/members", ctx -> Responses.json(ctx, 200, service.members(caller(ctx))));
    routes.post(
        "/api/v1/members",
        ctx -> {
          Principal caller = caller(ctx);
          TenancyRequests.NewMember req = TenancyRequests.member(ctx.bodyInputStream());
          Responses.jsonWhenDone(ctx, 201, () -> service.addMember(caller, req));
        });
    invitations(routes);
    lifecycle(routes);
  }

  private void lifecycle(RoutesConfig routes) {
    routes.delete(
        "/api/v1/members/{email}",
        ctx -> {
          Principal caller = caller(ctx);
          String email = ctx.pathParam("email");
          Responses.noContentWhenDone(ctx, () -> service.removeMember(caller, email));
        });
    routes.post(
        "/api/v1/workspaces/{id}/transfer",
        ctx -> {
          Principal caller = caller(ctx);
          String id = ctx.pathParam("id");
          TenancyRequests.Transfer req = TenancyRequests.transfer(ctx.bodyInputStream());
          Responses.jsonWhenDone(ctx, 200, () -> service.transferOwnership(caller, id, req));
        });
    routes.delete(
        "/api/v1/workspaces/{id}",
        ctx -> {
          Principal caller = caller(ctx);
          String id = ctx.pathParam("id");
          Responses.noContentWhenDone(ctx, () -> service.deleteWorkspace(caller, id));
        });
  }

  private void invitations(RoutesConfig routes) {
    routes.post(
        "/api/v1/invitations",
        ctx -> {
          Principal caller = caller(ctx);
          TenancyRequests.NewInvitation req = TenancyRequests.invitation(ctx.bodyInputStream());
          Responses.jsonWhenDone(ctx, 201, () -> service.invite(caller, req));
        });
    // Public: the token in the path is the credential (RoutePermissions.PUBLIC).
    routes.post(
        "/api/v1/invitations/{token}/accept",
        ctx -> {
          ctx.header("Cache-Control", "no-store");
          String token = ctx.pathParam("token");
          Responses.jsonWhenDone(ctx, 201, () -> service.accept(token));
        });
  }

  /** The caller of a tenancy, budget or wallet endpoint; the answer is never cached. */
  static Principal caller(Context ctx) {
    ctx.header("Cache-Control", "no-store");
    return ctx.attribute(MissionRoutes.PRINCIPAL);
  }
}
