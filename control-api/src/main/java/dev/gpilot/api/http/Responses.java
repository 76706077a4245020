package dev.gpilot.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.gpilot.contracts.json.Json;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** JSON responses written with the shared mapper. */
public final class Responses {
  private Responses() {}

  /** NDJSON: each value as one line of JSON. */
  public static void ndjson(Context ctx, int status, List<?> values) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try {
      for (Object value : values) {
        body.write(Json.mapper().writeValueAsBytes(value));
        body.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ctx.status(status).contentType("application/x-ndjson").result(body.toByteArray());
  }

  public static void json(Context ctx, int status, Object body) {
    try {
      ctx.status(status).contentType("application/json").result(Json.mapper().writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
