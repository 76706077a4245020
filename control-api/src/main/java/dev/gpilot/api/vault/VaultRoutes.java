package dev.gpilot.api.vault;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.Responses;
import dev.gpilot.api.missions.MissionRoutes;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * The vault endpoints. Handlers only translate HTTP; the service decides. Responses are never
 * cached.
 */
public final class VaultRoutes {
  private final VaultService service;
  private final int maxValueBytes;

  public VaultRoutes(VaultService service, int maxValueBytes) {
    this.service = service;
    this.maxValueBytes = maxValueBytes;
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/v1/vault", this::list);
    routes.get("/api/v1/vault/rotations", this::rotations);
    routes.post("/api/v1/vault/rotate", this::rotate);
    routes.get("/api/v1/vault/secrets/{name}", this::get);
    routes.put("/api/v1/vault/secrets/{name}", this::put);
    routes.delete("/api/v1/vault/secrets/{name}", this::delete);
  }

  private static Principal caller(Context ctx) {
    ctx.header("Cache-Control", "no-store");
    return ctx.attribute(MissionRoutes.PRINCIPAL);
  }

  private void list(Context ctx) {
    Responses.json(ctx, 200, service.list(caller(ctx)));
  }

  private void rotations(Context ctx) {
    Responses.json(ctx, 200, service.rotations(caller(ctx)));
  }

  private void get(Context ctx) {
    Responses.json(ctx, 200, service.get(caller(ctx), ctx.pathParam("name")));
  }

  private void put(Context ctx) {
    Principal caller = caller(ctx);
    String name = ctx.pathParam("name");
    VaultService.requireName(name);
    byte[] value = SecretRequest.read(ctx.bodyInputStream(), maxValueBytes);
    ctx.future(
        () ->
            service
                .put(caller, name, value)
                .thenAccept(
                    written -> {
                      if (written.created()) {
                        ctx.header("Location", "/api/v1/vault/secrets/" + name);
                      }
                      Responses.json(ctx, written.created() ? 201 : 200, written.secret());
                    }));
  }

  private void delete(Context ctx) {
    Principal caller = caller(ctx);
    String name = ctx.pathParam("name");
    Responses.noContentWhenDone(ctx, () -> service.delete(caller, name));
  }

  private void rotate(Context ctx) {
    Principal caller = caller(ctx);
    Responses.jsonWhenDone(ctx, 200, () -> service.rotate(caller));
  }
}
