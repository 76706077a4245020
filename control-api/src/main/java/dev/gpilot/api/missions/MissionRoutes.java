package dev.gpilot.api.missions;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.http.Responses;
import dev.gpilot.api.streams.EventStream;
import dev.gpilot.api.streams.StreamRegistry;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The mission endpoints: submit, read, stream. Handlers only translate HTTP; the service decides. */
public final class MissionRoutes {
  public static final String PRINCIPAL = "gpilot.principal";
  private static final int STREAM_BUFFER_EVENTS = 10_000;

  private final MissionService service;
  private final StreamRegistry streams;

  public MissionRoutes(MissionService service, StreamRegistry streams) {
    this.service = service;
    this.streams = streams;
  }

  public void register(RoutesConfig routes) {
    routes.post("/api/v1/missions", this::submit);
    routes.get("/api/v1/missions/{id}", this::get);
    routes.get("/api/v1/missions/{id}/stream", this::stream);
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

  private void stream(Context ctx) throws IOException {
    Principal caller = ctx.attribute(PRINCIPAL);
    MissionView view = service.get(caller, ctx.pathParam("id"));
    long afterSeq = lastEventId(ctx);
    ctx.status(200);
    ctx.res().setContentType("text/event-stream");
    ctx.res().setCharacterEncoding("UTF-8");
    ctx.res().setHeader("Cache-Control", "no-cache");
    ctx.res().setHeader("X-Accel-Buffering", "no");
    ctx.res().flushBuffer();
    EventStream stream = new EventStream(view, ctx.res().getOutputStream(), streams.writers(), STREAM_BUFFER_EVENTS);
    streams.track(stream);
    ctx.future(() -> stream.start(afterSeq).whenComplete((ok, error) -> streams.untrack(stream)));
  }

  /** The seq after which to resume: SSE's {@code Last-Event-ID} header, or {@code ?lastEventId=}. */
  private static long lastEventId(Context ctx) {
    String value = ctx.header("Last-Event-ID");
    if (value == null) {
      value = ctx.queryParam("lastEventId");
    }
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      long seq = Long.parseLong(value.strip());
      if (seq < 0) {
        throw new NumberFormatException();
      }
      return seq;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("Last-Event-ID must be an event seq (a non-negative integer)");
    }
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
