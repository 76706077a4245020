package dev.gpilot.api.missions;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.http.RequestBodies;
import dev.gpilot.api.http.Responses;
import dev.gpilot.api.quotas.InFlightMissions;
import dev.gpilot.api.streams.StreamHandler;
import dev.gpilot.api.streams.StreamRegistry;
import dev.gpilot.contracts.json.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The mission endpoints: submit, read, stream. Handlers only translate HTTP; the service decides.
 */
public final class MissionRoutes {
  public static final String PRINCIPAL = "gpilot.principal";
  private static final String NDJSON = "application/x-ndjson";
  private static final String QUOTA_EXCEEDED = "/problems/quota-exceeded";

  private final MissionService service;
  private final StreamHandler streams;
  private final AcceptLimit accepts;

  public MissionRoutes(MissionService service, StreamRegistry streams, AcceptLimit accepts) {
    this.service = service;
    this.streams = new StreamHandler(streams);
    this.accepts = accepts;
  }

  public void register(RoutesConfig routes) {
    routes.post("/api/v1/missions", this::submit);
    routes.post("/api/v1/missions/batch", this::submitBatch);
    routes.get("/api/v1/missions/{id}", this::get);
    routes.get("/api/v1/missions/{id}/stream", this::stream);
    routes.get("/api/v1/missions/{id}/events", this::events);
    routes.post("/api/v1/missions/{id}/cancel", this::cancel);
    routes.post("/api/v1/missions/{id}/rerun", this::rerun);
  }

  /**
   * A fork of a finished mission: {@code 202 {missionId, rerunOf, status, links}} once it is
   * durable.
   */
  private void rerun(Context ctx) {
    Principal caller = ctx.attribute(PRINCIPAL);
    String original = ctx.pathParam("id");
    RerunRequest request = RerunRequest.read(ctx.bodyInputStream());
    String idempotencyKey = ctx.header("Idempotency-Key");
    ctx.future(
        () ->
            service
                .rerun(caller, original, request, idempotencyKey)
                .thenAccept(
                    fork -> {
                      if (fork.replayed()) {
                        ctx.header("Idempotent-Replayed", "true");
                      }
                      Map<String, Object> body = new LinkedHashMap<>();
                      body.put("missionId", fork.missionId());
                      body.put("rerunOf", original);
                      body.put("status", "SUBMITTED");
                      body.put("links", links(fork.missionId()));
                      ctx.header("Location", selfLink(fork.missionId()));
                      Responses.json(ctx, 202, body);
                    }));
  }

  private void submit(Context ctx) {
    Principal caller = ctx.attribute(PRINCIPAL);
    MissionRequest request = MissionRequest.read(ctx.bodyInputStream());
    String idempotencyKey = ctx.header("Idempotency-Key");
    ctx.future(
        () ->
            accepts
                .run(1, () -> service.submit(caller, request, idempotencyKey))
                .thenAccept(
                    submission -> {
                      if (submission.replayed()) {
                        ctx.header("Idempotent-Replayed", "true");
                      }
                      ctx.header("Location", selfLink(submission.missionId()));
                      Responses.json(ctx, 202, accepted(submission.missionId()));
                    }));
  }

  /**
   * NDJSON in, one result per line out (NDJSON, or a JSON array for {@code Accept:
   * application/json}), {@code 200} whatever became of each line; the whole request is refused only
   * before any line is submitted.
   */
  private void submitBatch(Context ctx) {
    Principal caller = ctx.attribute(PRINCIPAL);
    String contentType = ctx.header("Content-Type");
    if (contentType == null || !mediaType(contentType).equals(NDJSON)) {
      throw new ApiException(
          415,
          "unsupported-media-type",
          "Unsupported media type",
          "send the missions as " + NDJSON + ", one mission request per line");
    }
    if (ctx.header("Idempotency-Key") != null) {
      throw ApiException.badRequest(
          "a batch takes no Idempotency-Key header; give each line its own '"
              + MissionBatch.IDEMPOTENCY_KEY
              + "'");
    }
    boolean array = answerAsArray(ctx.header("Accept"));
    long length = ctx.req().getContentLengthLong();
    if (length > MissionBatch.MAX_BODY_BYTES) {
      RequestBodies.discardBeforeRefusing(ctx.req());
      throw MissionBatch.tooLarge();
    }
    MissionBatch batch = MissionBatch.read(ctx.bodyInputStream());
    ctx.future(
        () ->
            accepts
                .run(batch.lines().size(), () -> service.submitBatch(caller, batch))
                .thenAccept(
                    results -> {
                      long accepted = results.stream().filter(LineResult::accepted).count();
                      ctx.header("Gpilot-Accepted", String.valueOf(accepted));
                      ctx.header("Gpilot-Rejected", String.valueOf(results.size() - accepted));
                      if (results.stream().anyMatch(r -> QUOTA_EXCEEDED.equals(r.type()))) {
                        // Lines refused for the workspace's quota: when to send them again.
                        ctx.header(
                            "Retry-After", String.valueOf(InFlightMissions.RETRY_AFTER_SECONDS));
                      }
                      ctx.status(200)
                          .contentType(array ? "application/json" : NDJSON)
                          .result(encode(results, array));
                    }));
  }

  /** The results as NDJSON, or as one JSON array. */
  private static byte[] encode(List<LineResult> results, boolean array) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(results.size() * 80);
    try (JsonGenerator json = Json.mapper().getFactory().createGenerator(out)) {
      json.setRootValueSeparator(array ? null : new SerializedString("\n"));
      if (array) {
        json.writeStartArray();
      }
      for (LineResult result : results) {
        result.writeTo(json);
      }
      if (array) {
        json.writeEndArray();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!array) {
      out.write('\n');
    }
    return out.toByteArray();
  }

  /**
   * Whether the batch's answer is a JSON array: when {@code Accept} takes {@code application/json}
   * but not NDJSON.
   *
   * @throws ApiException 406 when it takes neither
   */
  private static boolean answerAsArray(String accept) {
    if (accept == null || accept.isBlank() || StreamHandler.accepts(accept, NDJSON)) {
      return false;
    }
    if (StreamHandler.accepts(accept, "application/json")) {
      return true;
    }
    throw new ApiException(
        406,
        "not-acceptable",
        "Not acceptable",
        "a batch's answer is " + NDJSON + " or, for Accept: application/json, a JSON array");
  }

  private static String mediaType(String contentType) {
    return contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
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
    ctx.future(
        () ->
            service
                .cancel(caller, missionId)
                .thenAccept(
                    view -> {
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
