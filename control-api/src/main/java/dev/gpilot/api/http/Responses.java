package dev.gpilot.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.gpilot.contracts.json.Json;
import io.javalin.http.Context;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** JSON responses written with the shared mapper. */
public final class Responses {
  private Responses() {}

  public static void json(Context ctx, int status, Object body) {
    try {
      ctx.status(status)
          .contentType("application/json")
          .result(Json.mapper().writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Answers asynchronously: once the future {@code call} returns completes, with {@code status} and
   * its value as JSON; a failure of it is answered as any handler's exception is.
   */
  public static void jsonWhenDone(
      Context ctx, int status, Supplier<? extends CompletableFuture<?>> call) {
    ctx.future(() -> call.get().thenAccept(body -> json(ctx, status, body)));
  }

  /** Answers asynchronously: 204 without a body once the future {@code call} returns completes. */
  public static void noContentWhenDone(Context ctx, Supplier<? extends CompletableFuture<?>> call) {
    ctx.future(() -> call.get().thenAccept(ignored -> ctx.status(204)));
  }
}
