package dev.gpilot.api.missions;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.Responses;
import dev.gpilot.api.streams.StreamHandler;
import dev.gpilot.api.streams.StreamRegistry;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The mission endpoints: submit, read, stream. Handlers only translate HTTP; the service decides. */
public final class MissionRoutes {
  public static final String PRINCIPAL = "gpilot.principal";

  private final MissionService service;
  private final StreamHandler streams;

  public MissionRoutes(MissionService service, StreamRegistry streams) {
    this.service = service;
    this.streams = new StreamHandler(streams);
  }

  public void register(RoutesConfig routes) {
    routes.post("/api/v1/missions", this::submit);
    routes.get("/api/v1/missions/{id}", this::get);
    routes.get("/api/v1/missions/{id}/stream", this::stream);
    routes.get("/api/v1/missions/{id}/events", this::events);
    routes.post("/api/v1/missions/{id}/cancel", this::cancel);
  }

  private void submit(Context ctx) {
    Principal caller = ctx.attribute(PRINCIPAL);
    MissionRequest request = MissionRequest.read(ctx.bodyInputStream());
    String idempotencyKey = ctx.header("Idempotency-Key");
    ctx.future(() -> service.submit(caller, request, idempotencyKey)
        .thenAccept(submission -> {
          if (submission.replayed()) {
            ctx.header("Idempotent-Replayed", "true");
          }
          ctx.header("Location", selfLink(submission.missionId()));
          Responses.json(ctx, 202, accepted(submission.missionId()));
        }));
  }

  private void get(Context ctx) {
    Principal caller = ctx.attribute(PRINCIPAL);
    MissionView view = service.get(caller, ctx.pathParam("id"));
    Map<String, Object> body = view.toJson();
    body.put("links", links(view.missionId()));
    Responses.json(ctx, 200, body);
  }

  private void cancel(Context ctx) {
    Principal caller = ctx.attribute(PRINCIPAL);
    String missionId = ctx.pathParam("id");
    ctx.future(() -> service.cancel(caller, missionId).thenAccept(view -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("missionId", missionId);
      body.put("status", "CANCELLING");
      body.put("links", links(missionId));
      Responses.json(ctx, 202, body);
    }));
  }

  /** The UI message stream (AI SDK v1) over SSE; see SPEC.md section 9. */
  private void stream(Context ctx) throws IOException {
    Principal caller = ctx.attribute(PRINCIPAL);
    streams.sse(ctx, service.get(caller, ctx.pathParam("id")));
  }

  /** The mission's events as NDJSON, for non-browser clients. */
  private void events(Context ctx) throws IOException {
    Principal caller = ctx.attribute(PRINCIPAL);
    streams.ndjson(ctx, service.get(caller, ctx.pathParam("id")));
  }

  static Map<String, Object> accepted(String missionId) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("missionId", missionId);
    body.put("status", "SUBMITTED");
    body.put("links", links(missionId));
    return body;
  }

  private static Map<String, String> links(String missionId) {
    return Map.of("self", selfLink(missionId), "stream", selfLink(missionId) + "/stream");
  }

  private static String selfLink(String missionId) {
    return "/api/v1/missions/" + missionId;
  }
}
