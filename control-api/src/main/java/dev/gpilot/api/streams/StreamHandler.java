package dev.gpilot.api.streams;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.missions.MissionView;
import dev.gpilot.api.streams.SseEncoder.FrameId;
import io.javalin.http.Context;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Serves a mission's stream over HTTP: the UI message stream as SSE ({@code /stream}) and the
 * events as NDJSON ({@code /events}). Bad resume positions and unacceptable media types are
 * rejected before anything is streamed.
 */
public final class StreamHandler {
  /** The header that tells AI SDK clients the body is a UI message stream. */
  public static final String UI_MESSAGE_STREAM_HEADER = "x-vercel-ai-ui-message-stream";

  private final StreamRegistry registry;

  public StreamHandler(StreamRegistry registry) {
    this.registry = registry;
  }

  /**
   * {@code GET /api/v1/missions/{id}/stream}: the whole message, or what follows {@code
   * Last-Event-ID} (header, or {@code ?lastEventId=}). With {@code ?active=true} a finished mission
   * answers {@code 204} (the AI SDK's "no active stream", for {@code useChat}'s resume on page
   * load).
   */
  public void sse(Context ctx, MissionView view) throws IOException {
    String value = ctx.header("Last-Event-ID");
    if (value == null || value.isBlank()) {
      value = ctx.queryParam("lastEventId");
    }
    FrameId resume = null;
    if (value != null && !value.isBlank()) {
      try {
        resume = FrameId.parse(value);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(
            "Last-Event-ID must be a frame id of this stream: N or N:k (N ≥ 0, k ≥ 1)");
      }
    }
    if ("true".equalsIgnoreCase(ctx.queryParam("active")) && view.finished()) {
      ctx.status(204);
      return;
    }
    ctx.res().setHeader(UI_MESSAGE_STREAM_HEADER, "v1");
    start(ctx, view, new SseEncoder(registry.framesOf(view), resume));
  }

  /**
   * {@code GET /api/v1/missions/{id}/events}: NDJSON, one event per line after {@code ?after=} or
   * {@code Last-Event-ID} (a seq).
   */
  public void ndjson(Context ctx, MissionView view) throws IOException {
    String accept = ctx.header("Accept");
    if (accept != null && !accept.isBlank() && !accepts(accept, NdjsonEncoder.MEDIA_TYPE)) {
      throw new ApiException(
          406,
          "not-acceptable",
          "Not acceptable",
          "this endpoint serves "
              + NdjsonEncoder.MEDIA_TYPE
              + " (send Accept: "
              + NdjsonEncoder.MEDIA_TYPE
              + ")");
    }
    String value = ctx.queryParam("after");
    if (value == null || value.isBlank()) {
      value = ctx.header("Last-Event-ID");
    }
    long after = 0;
    if (value != null && !value.isBlank()) {
      try {
        after = Long.parseLong(value.strip());
      } catch (NumberFormatException e) {
        after = -1;
      }
      if (after < 0) {
        throw ApiException.badRequest(
            "after / Last-Event-ID must be an event seq (a non-negative integer)");
      }
    }
    start(ctx, view, new NdjsonEncoder(registry.linesOf(view), after));
  }

  private void start(Context ctx, MissionView view, StreamEncoder encoder) throws IOException {
    StreamRegistry.Admission admission =
        registry.admit(view.workspaceId()); // 429 before anything is written
    try {
      stream(ctx, view, encoder, admission);
    } catch (IOException | RuntimeException e) {
      admission.release();
      throw e;
    }
  }

  private void stream(
      Context ctx, MissionView view, StreamEncoder encoder, StreamRegistry.Admission admission)
      throws IOException {
    ctx.status(200);
    ctx.res().setContentType(encoder.contentType());
    ctx.res().setHeader("Cache-Control", "no-cache");
    ctx.res().setHeader("X-Accel-Buffering", "no");
    // Headers and the stream's head (the UI message's start) go out now, in one write: the client
    // sees the stream
    // open before the mission's first event exists.
    ServletOutputStream out = ctx.res().getOutputStream();
    out.write(encoder.head());
    ctx.res().flushBuffer();
    // Javalin runs the supplier once the request is in async mode, which non-blocking writes need.
    ctx.future(
        () -> {
          try {
            registry.respond(completion(ctx.req().getAsyncContext()));
            EventStream stream = registry.open(view, encoder, out);
            return stream
                .start()
                .whenComplete(
                    (ok, error) -> {
                      registry.closed(stream);
                      admission.release();
                    });
          } catch (RuntimeException e) {
            admission.release();
            throw e;
          }
        });
  }

  /** Completes when the server has completed (or given up on) the asynchronous response. */
  private static CompletableFuture<Void> completion(AsyncContext async) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    async.addListener(
        new AsyncListener() {
          @Override
          public void onComplete(AsyncEvent event) {
            done.complete(null);
          }

          @Override
          public void onTimeout(AsyncEvent event) {
            done.complete(null);
          }

          @Override
          public void onError(AsyncEvent event) {
            done.complete(null);
          }

          @Override
          public void onStartAsync(AsyncEvent event) {}
        });
    return done;
  }

  /**
   * Whether an Accept header admits {@code type} (exactly, as {@code application/*}, or as {@code
   * *}{@code /*}).
   */
  public static boolean accepts(String accept, String type) {
    String family = type.substring(0, type.indexOf('/')) + "/*";
    for (String range : accept.split(",")) {
      String r = range.split(";", 2)[0].strip().toLowerCase();
      if (r.equals(type) || r.equals(family) || r.equals("*/*")) {
        return true;
      }
    }
    return false;
  }
}
