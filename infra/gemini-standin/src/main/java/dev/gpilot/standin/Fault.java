package dev.gpilot.standin;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A fault to inject into the next matching call(s), or with {@code forMs} into every matching call
 * for a while. Every field is optional; a fault with none of the effects is a no-op that still
 * consumes a match.
 *
 * @param match the call's prompt (system instruction and contents) must contain this text; null
 *     matches any call
 * @param model the call's model must be this one; null matches any model
 * @param times how many matching calls it applies to (default 1); ignored with {@code forMs}
 * @param status answer with this HTTP error status (e.g. 429, 500, 400) and a Gemini error body
 * @param message the error message for {@code status}
 * @param delayMs wait this long before answering, on top of the configured latency (a slow
 *     response)
 * @param malformedJson answer with JSON cut in the middle (for structured output)
 * @param finishReason answer with this finish reason and no content, e.g. {@code SAFETY}
 * @param text answer with exactly this text instead of a generated one
 * @param usage override the usage counts: keys {@code promptTokenCount}, {@code
 *     candidatesTokenCount}, {@code thoughtsTokenCount}, {@code cachedContentTokenCount}
 * @param forMs apply to every matching call for this many milliseconds after the fault was queued
 *     (a storm), not consumed by calls; dropped once expired
 * @param retryAfterSeconds with {@code status}: the error answer says when to come back, as Gemini
 *     does for 429: a {@code Retry-After: <n>} header and a {@code google.rpc.RetryInfo} entry
 *     ({@code "retryDelay": "<n>s"}) in the error's {@code details}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Fault(
    String match,
    String model,
    Integer times,
    Integer status,
    String message,
    Long delayMs,
    Boolean malformedJson,
    String finishReason,
    String text,
    Map<String, Integer> usage,
    Long forMs,
    Integer retryAfterSeconds) {

  @JsonCreator
  public Fault {
    if (times != null && times < 1) {
      throw new IllegalArgumentException("times must be >= 1");
    }
    if (status != null && (status < 400 || status > 599)) {
      throw new IllegalArgumentException("status must be an HTTP error status, 400..599");
    }
    if (delayMs != null && delayMs < 0) {
      throw new IllegalArgumentException("delayMs must be >= 0");
    }
    if (forMs != null && forMs < 1) {
      throw new IllegalArgumentException("forMs must be >= 1");
    }
    if (retryAfterSeconds != null && (retryAfterSeconds < 0 || status == null)) {
      throw new IllegalArgumentException("retryAfterSeconds must be >= 0 and goes with a status");
    }
  }

  /** A fault for the next matching call(s), without a duration or a Retry-After. */
  public Fault(
      String match,
      String model,
      Integer times,
      Integer status,
      String message,
      Long delayMs,
      Boolean malformedJson,
      String finishReason,
      String text,
      Map<String, Integer> usage) {
    this(
        match,
        model,
        times,
        status,
        message,
        delayMs,
        malformedJson,
        finishReason,
        text,
        usage,
        null,
        null);
  }

  public static Fault httpError(int status) {
    return new Fault(null, null, null, status, null, null, null, null, null, null);
  }

  public static Fault slow(long delayMs) {
    return new Fault(null, null, null, null, null, delayMs, null, null, null, null);
  }

  public static Fault brokenJson() {
    return new Fault(null, null, null, null, null, null, true, null, null, null);
  }

  public static Fault blocked(String reason) {
    return new Fault(null, null, null, null, null, null, null, reason, null, null);
  }

  public static Fault answer(String text) {
    return new Fault(null, null, null, null, null, null, null, null, text, null);
  }

  public static Fault withUsage(Map<String, Integer> usage) {
    return new Fault(null, null, null, null, null, null, null, null, null, usage);
  }

  /** This fault, only for calls whose prompt contains {@code text}. */
  public Fault matching(String text) {
    return with(copy -> copy.match = text);
  }

  /** This fault, for the next {@code n} matching calls. */
  public Fault repeat(int n) {
    return with(copy -> copy.times = n);
  }

  /** This fault, for every matching call during the {@code ms} milliseconds after it is queued. */
  public Fault lasting(long ms) {
    return with(copy -> copy.forMs = ms);
  }

  /** This error answer, telling the caller to come back after {@code seconds}. */
  public Fault retryAfter(int seconds) {
    return with(copy -> copy.retryAfterSeconds = seconds);
  }

  /** This fault with {@code change} made to a copy of its components. */
  private Fault with(Consumer<Copy> change) {
    Copy copy = new Copy(this);
    change.accept(copy);
    return copy.build();
  }

  int timesOrOne() {
    return times == null ? 1 : times;
  }

  boolean applies(String prompt, String callModel) {
    return (match == null || prompt.contains(match)) && (model == null || model.equals(callModel));
  }

  /**
   * The components of a {@link Fault}, to change before building another: what the withers share.
   * {@link #build()} checks the result as the constructor does.
   */
  private static final class Copy {
    private String match;
    private final String model;
    private Integer times;
    private final Integer status;
    private final String message;
    private final Long delayMs;
    private final Boolean malformedJson;
    private final String finishReason;
    private final String text;
    private final Map<String, Integer> usage;
    private Long forMs;
    private Integer retryAfterSeconds;

    private Copy(Fault fault) {
      match = fault.match;
      model = fault.model;
      times = fault.times;
      status = fault.status;
      message = fault.message;
      delayMs = fault.delayMs;
      malformedJson = fault.malformedJson;
      finishReason = fault.finishReason;
      text = fault.text;
      usage = fault.usage;
      forMs = fault.forMs;
      retryAfterSeconds = fault.retryAfterSeconds;
    }

    private Fault build() {
      return new Fault(
          match,
          model,
          times,
          status,
          message,
          delayMs,
          malformedJson,
          finishReason,
          text,
          usage,
          forMs,
          retryAfterSeconds);
    }
  }
}
