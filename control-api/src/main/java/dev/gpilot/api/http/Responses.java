package dev.gpilot.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.gpilot.contracts.json.Json;
import io.javalin.http.Context;
import java.io.UncheckedIOException;

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
}
