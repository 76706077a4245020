package dev.gpilot.jobs.agents.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Reads when Gemini said to come back from a 429 or 5xx answer, for the call that got it.
 * google-genai's {@code ApiException} keeps only the code, status and message, so this OkHttp
 * interceptor on the caller's own pool reads the answer first: the {@code Retry-After} header
 * (seconds or an HTTP date), else the error body's {@code google.rpc.RetryInfo} detail ({@code
 * "retryDelay": "2s"}, what the Gemini API sends with 429).
 *
 * <p>Calls are told apart by an internal {@value #CALL_HEADER} header that {@link GeminiCaller}
 * sets per request and that this interceptor removes before the request leaves. {@link #take} hands
 * the delay over once and forgets it.
 */
final class RetryAfterInterceptor implements Interceptor {
  static final String CALL_HEADER = "x-gpilot-call";

  /** A longer delay is treated as this one (it fails the step anyway; see the scheduler). */
  static final Duration MAX_DELAY = Duration.ofDays(1);

  private static final long MAX_BODY_BYTES = 64 * 1024;
  private static final String RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo";

  private final Clock clock;
  private final ConcurrentMap<String, Duration> delays = new ConcurrentHashMap<>();

  RetryAfterInterceptor(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    String call = request.header(CALL_HEADER);
    if (call == null) {
      return chain.proceed(request);
    }
    Response response = chain.proceed(request.newBuilder().removeHeader(CALL_HEADER).build());
    if (response.code() == 429 || response.code() >= 500) {
      delay(response, clock).ifPresent(delay -> delays.put(call, delay));
    }
    return response;
  }

  /**
   * The delay the answer to {@code call} asked for, once; null when it gave none (or the call had
   * no answer).
   */
  Duration take(String call) {
    return delays.remove(call);
  }

  /**
   * The delay an error answer asks for: its {@code Retry-After} header, else the body's {@code
   * RetryInfo}.
   */
  static Optional<Duration> delay(Response response, Clock clock) {
    String header = response.header("Retry-After");
    if (header != null) {
      Optional<Duration> fromHeader = retryAfterHeader(header.strip(), clock);
      if (fromHeader.isPresent()) {
        return fromHeader;
      }
    }
    try {
      // peekBody leaves the body for the SDK, which reads the message from it.
      return retryInfo(response.peekBody(MAX_BODY_BYTES).string());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static Optional<Duration> retryAfterHeader(String value, Clock clock) {
    try {
      return bounded(Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000)));
    } catch (NumberFormatException e) {
      // Not seconds: an HTTP date.
    }
    try {
      ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
      Duration delay = Duration.between(clock.instant(), at.toInstant());
      return bounded(delay.isNegative() ? Duration.ZERO : delay);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * {@code error.details[]} entry {@code {"@type": "...google.rpc.RetryInfo", "retryDelay":
   * "1.5s"}}.
   */
  static Optional<Duration> retryInfo(String body) {
    if (body == null || body.isBlank()) {
      return Optional.empty();
    }
    JsonNode details;
    try {
      details = Json.mapper().readTree(body).path("error").path("details");
    } catch (IOException e) {
      return Optional.empty();
    }
    for (JsonNode detail : details) {
      String delay = detail.path("retryDelay").asText("");
      if (RETRY_INFO.equals(detail.path("@type").asText()) && delay.endsWith("s")) {
        try {
          return bounded(
              Duration.ofMillis(
                  Math.round(Double.parseDouble(delay.substring(0, delay.length() - 1)) * 1000)));
        } catch (NumberFormatException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<Duration> bounded(Duration delay) {
    if (delay.isNegative()) {
      return Optional.empty();
    }
    return Optional.of(delay.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay);
  }
}
