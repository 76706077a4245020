package dev.gpilot.api.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import io.javalin.http.Context;

/** Writes problem responses: {@code application/problem+json} with {@code type, title, status, detail}. */
public final class Problems {
  private Problems() {}

  public static void write(Context ctx, ApiException e) {
    ObjectNode body = Json.mapper().createObjectNode();
    body.put("type", "/problems/" + e.type());
    body.put("title", e.title());
    body.put("status", e.status());
    body.put("detail", e.getMessage());
    body.put("instance", ctx.path());
    e.headers().forEach(ctx::header);
    if (e.status() == 401) {
      ctx.header("WWW-Authenticate", "Bearer");
    }
    ctx.status(e.status()).contentType("application/problem+json").result(body.toString());
  }
}
