package dev.gpilot.api.http;

/**
 * A request the API will not serve, with the problem it answers (RFC 9457): thrown by services and
 * handlers, mapped once to a JSON problem body.
 */
public class ApiException extends RuntimeException {
  private final int status;
  private final String type;
  private final String title;
  private final java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();

  public ApiException(int status, String type, String title, String detail) {
    super(detail);
    this.status = status;
    this.type = type;
    this.title = title;
  }

  public int status() {
    return status;
  }

  /** A short slug; the problem's {@code type} is {@code /problems/<slug>}. */
  public String type() {
    return type;
  }

  public String title() {
    return title;
  }

  /** Response headers the problem needs (e.g. {@code Retry-After}). */
  public java.util.Map<String, String> headers() {
    return java.util.Collections.unmodifiableMap(headers);
  }

  public ApiException withHeader(String name, String value) {
    headers.put(name, value);
    return this;
  }

  public static ApiException badRequest(String detail) {
    return new ApiException(400, "invalid-request", "Invalid request", detail);
  }

  public static ApiException unauthorized(String detail) {
    return new ApiException(401, "unauthorized", "Unauthorized", detail);
  }

  /**
   * 403 {@code /problems/forbidden}: the caller's role lacks a permission (in its own workspace).
   */
  public static ApiException forbidden(String detail) {
    return new ApiException(403, "forbidden", "Forbidden", detail);
  }

  public static ApiException notFound(String detail) {
    return new ApiException(404, "not-found", "Not found", detail);
  }

  public static ApiException conflict(String type, String detail) {
    return new ApiException(409, type, "Conflict", detail);
  }

  public static ApiException unprocessable(String type, String detail) {
    return new ApiException(422, type, "Unprocessable request", detail);
  }

  public static ApiException tooLarge(String detail) {
    return new ApiException(413, "request-too-large", "Request too large", detail);
  }

  /** 429 with {@code Retry-After: <seconds>}. */
  public static ApiException tooManyRequests(String detail, long retryAfterSeconds) {
    return new ApiException(429, "too-many-requests", "Too many requests", detail)
        .withHeader("Retry-After", String.valueOf(retryAfterSeconds));
  }

  /**
   * 429 {@code /problems/quota-exceeded} with {@code Retry-After: <seconds>}: the workspace holds
   * its quota of something (missions in flight, open streams); nothing was written.
   */
  public static ApiException quotaExceeded(String detail, long retryAfterSeconds) {
    return new ApiException(429, "quota-exceeded", "Quota exceeded", detail)
        .withHeader("Retry-After", String.valueOf(retryAfterSeconds));
  }

  public static ApiException unavailable(String detail) {
    return new ApiException(503, "unavailable", "Service unavailable", detail);
  }
}
