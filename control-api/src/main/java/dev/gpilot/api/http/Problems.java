package dev.gpilot.api.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;

/**
 * Writes problem responses: {@code application/problem+json} with {@code type, title, status,
 * detail}.
 */
public final class Problems {
  public static final String CONTENT_TYPE = "application/problem+json";

  private Problems() {}

  public static void write(Context ctx, ApiException e) {
    e.headers().forEach(ctx::header);
    if (e.status() == 401) {
      ctx.header("WWW-Authenticate", "Bearer");
    }
    // Bytes, not a String: Javalin would encode a String in ISO-8859-1 for this media type (it has
    // no charset
    // parameter; JSON is UTF-8), which turns every non-Latin-1 character of a detail into '?'.
    ctx.status(e.status()).contentType(CONTENT_TYPE).result(body(e, ctx.path()));
  }

  /** Whether the response already is a problem. */
  public static boolean written(Context ctx) {
    String type = ctx.res().getContentType();
    return type != null && type.startsWith(CONTENT_TYPE);
  }

  /**
   * The problem's JSON in UTF-8.
   *
   * @param instance the request path, or null when the request had none that could be read
   */
  public static byte[] body(ApiException e, String instance) {
    ObjectNode body = Json.mapper().createObjectNode();
    body.put("type", "/problems/" + e.type());
    body.put("title", e.title());
    body.put("status", e.status());
    body.put("detail", e.getMessage());
    if (instance != null) {
      body.put("instance", instance);
    }
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The problem for an error status that Jetty or Javalin chose, not a route of ours (a request
   * rejected before any route ran, no route for it). A server error's detail is never passed on: it
   * may describe the server's insides.
   *
   * @param detail the reason the server gave, or null
   */
  public static ApiException forStatus(int status, String detail) {
    if (status >= 500) {
      return status == 503
          ? ApiException.unavailable("the server cannot take this request now; retry later")
          : new ApiException(500, "internal", "Internal error", "an unexpected error occurred");
    }
    String reason =
        detail == null || detail.isBlank() ? "the request was rejected (" + status + ")" : detail;
    return switch (status) {
      case 401 -> ApiException.unauthorized(reason);
      case 404 -> ApiException.notFound(reason);
      case 405 -> new ApiException(405, "method-not-allowed", "Method not allowed", reason);
      case 406 -> new ApiException(406, "not-acceptable", "Not acceptable", reason);
      case 408 -> new ApiException(408, "request-timeout", "Request timeout", reason);
      case 413 -> ApiException.tooLarge(reason);
      case 414 -> new ApiException(414, "uri-too-long", "URI too long", reason);
      case 415 -> new ApiException(415, "unsupported-media-type", "Unsupported media type", reason);
      case 431 ->
          new ApiException(431, "headers-too-large", "Request header fields too large", reason);
      default -> new ApiException(status, "invalid-request", "Invalid request", reason);
    };
  }
}
