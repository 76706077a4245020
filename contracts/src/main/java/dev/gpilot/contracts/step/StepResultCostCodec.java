package dev.gpilot.contracts.step;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a {@link StepResult}'s JSON for costing: every field but {@code output} and {@code error},
 * which are skipped, not built (an output is a model's text, often most of the record, and costing
 * never looks at it). Thread-safe.
 *
 * <p>Contract: for any bytes, {@link #decode} fails exactly when {@link JsonCodec} of {@link
 * StepResult} fails, with the same {@link CodecException} message, and otherwise returns the same
 * record with {@code output} and {@code error} null. It gets there by reading the shapes the
 * executor writes with Jackson's streaming parser, and by handing everything else (a type Jackson
 * would coerce, a missing primitive, a duplicate field, a broken invariant, anything that is not
 * one JSON object) to the full decoder, which decides. Skipped values are still read to their end,
 * so broken JSON, nesting deeper than the shared limit ({@link Json}) and duplicate keys anywhere
 * are found as the full decoder finds them.
 */
public final class StepResultCostCodec {
  private static final JsonCodec<StepResult> FULL = JsonCodec.of(StepResult.class);

  /**
   * The shared configuration's limits, without the parser's own duplicate detection (a hash set of
   * the names of every object): known names are checked with a bit mask instead, and skipped
   * objects by {@link #skip}.
   */
  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(Json.mapper().getFactory().streamReadConstraints())
          .disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private static final int MAX_STRING_LENGTH = FACTORY.streamReadConstraints().getMaxStringLength();

  private static final int MISSION_ID = 1;
  private static final int WORKSPACE_ID = 1 << 1;
  private static final int STEP_ID = 1 << 2;
  private static final int ATTEMPT = 1 << 3;
  private static final int AGENT = 1 << 4;
  private static final int SUCCEEDED = 1 << 5;
  private static final int OUTPUT = 1 << 6;
  private static final int ERROR = 1 << 7;
  private static final int STARTED_AT = 1 << 8;
  private static final int FINISHED_AT = 1 << 9;
  private static final int MODEL = 1 << 10;
  private static final int USAGE = 1 << 11;
  private static final int COST_MICROS = 1 << 12;
  private static final int PRICE_VERSION = 1 << 13;
  private static final int RETRIABLE = 1 << 14;
  private static final int RETRY_AFTER_MS = 1 << 15;
  private static final int TYPE = 1 << 16;
  private static final int VERSION = 1 << 17;
  private static final int ID = 1 << 18;

  /**
   * The primitive fields: the executor always writes them; without one, the full decoder decides.
   */
  private static final int PRIMITIVES =
      ATTEMPT | SUCCEEDED | STARTED_AT | FINISHED_AT | COST_MICROS | RETRIABLE;

  private static final int PROMPT = 1;
  private static final int OUTPUT_TOKENS = 1 << 1;
  private static final int THINKING = 1 << 2;
  private static final int CACHED = 1 << 3;
  private static final int TOTAL = 1 << 4;
  private static final int USAGE_PRIMITIVES = PROMPT | OUTPUT_TOKENS | THINKING | CACHED;

  private StepResultCostCodec() {}

  /**
   * The step result in {@code json} without its {@code output} and {@code error} (both null).
   *
   * @throws CodecException exactly when {@code JsonCodec.of(StepResult.class).decode(json)} throws
   */
  public static StepResult decode(byte[] json) {
    StepResult fast;
    try {
      // A string longer than the shared limit fails when the full decoder builds it; a skipped one
      // is never built, so records that could hold one go to the full decoder.
      fast = json.length <= MAX_STRING_LENGTH ? fast(json) : null;
    } catch (IOException | RuntimeException e) {
      // Not a shape the fast path reads, or invalid: the full decoder says which, in its words.
      fast = null;
    }
    return fast != null ? fast : withoutOutput(FULL.decode(json));
  }

  /** {@code r} without its output and error. */
  public static StepResult withoutOutput(StepResult r) {
    if (r == null || (r.output() == null && r.error() == null)) {
      return r;
    }
    return r.withoutOutput();
  }

  /** The record, or null when the full decoder must decide. */
  private static StepResult fast(byte[] json) throws IOException {
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String missionId = null;
      String workspaceId = null;
      String stepId = null;
      int attempt = 0;
      String agent = null;
      boolean succeeded = false;
      long startedAt = 0;
      long finishedAt = 0;
      String model = null;
      Usage usage = null;
      long costMicros = 0;
      String priceVersion = null;
      boolean retriable = false;
      Long retryAfterMs = null;
      int seen = 0;
      List<String> others = null;
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        if (t != JsonToken.FIELD_NAME) {
          return null;
        }
        String name = p.currentName();
        int field = field(name);
        if (field == 0) {
          if (others == null) {
            others = new ArrayList<>(2);
          } else if (others.contains(name)) {
            return null;
          }
          others.add(name);
        } else if ((seen & field) != 0) {
          return null;
        }
        seen |= field;
        JsonToken v = p.nextToken();
        switch (field) {
          case MISSION_ID -> missionId = string(p, v);
          case WORKSPACE_ID -> workspaceId = string(p, v);
          case STEP_ID -> stepId = string(p, v);
          case AGENT -> agent = string(p, v);
          case MODEL -> model = string(p, v);
          case PRICE_VERSION -> priceVersion = string(p, v);
          case ATTEMPT -> {
            if (v != JsonToken.VALUE_NUMBER_INT) {
              return null;
            }
            attempt = p.getIntValue();
          }
          case SUCCEEDED -> succeeded = bool(v);
          case RETRIABLE -> retriable = bool(v);
          case STARTED_AT -> startedAt = number(p, v);
          case FINISHED_AT -> finishedAt = number(p, v);
          case COST_MICROS -> costMicros = number(p, v);
          case RETRY_AFTER_MS -> retryAfterMs = v == JsonToken.VALUE_NULL ? null : number(p, v);
          case USAGE -> {
            if (v == JsonToken.START_OBJECT) {
              usage = usage(p);
            } else if (v != JsonToken.VALUE_NULL) {
              return null;
            }
          }
          case ERROR -> {
            if (v != JsonToken.VALUE_STRING && v != JsonToken.VALUE_NULL) {
              return null;
            }
          }
          default -> skip(p, v); // output, type, version, id, and fields of newer writers
        }
      }
      if ((seen & PRIMITIVES) != PRIMITIVES || p.nextToken() != null) {
        return null;
      }
      return new StepResult(
          missionId,
          workspaceId,
          stepId,
          attempt,
          agent,
          succeeded,
          null,
          null,
          startedAt,
          finishedAt,
          model,
          usage,
          costMicros,
          priceVersion,
          retriable,
          retryAfterMs);
    }
  }

  private static int field(String name) {
    return switch (name) {
      case "missionId" -> MISSION_ID;
      case "workspaceId" -> WORKSPACE_ID;
      case "stepId" -> STEP_ID;
      case "attempt" -> ATTEMPT;
      case "agent" -> AGENT;
      case "succeeded" -> SUCCEEDED;
      case "output" -> OUTPUT;
      case "error" -> ERROR;
      case "startedAt" -> STARTED_AT;
      case "finishedAt" -> FINISHED_AT;
      case "model" -> MODEL;
      case "usage" -> USAGE;
      case "costMicros" -> COST_MICROS;
      case "priceVersion" -> PRICE_VERSION;
      case "retriable" -> RETRIABLE;
      case "retryAfterMs" -> RETRY_AFTER_MS;
      case "type" -> TYPE;
      case "version" -> VERSION;
      case "id" -> ID;
      default -> 0;
    };
  }

  /** A usage object after its START_OBJECT, or null when the full decoder must decide. */
  private static Usage usage(JsonParser p) throws IOException {
    long prompt = 0;
    long output = 0;
    long thinking = 0;
    long cached = 0;
    int seen = 0;
    List<String> others = null;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String name = p.currentName();
      int field =
          switch (name) {
            case "promptTokens" -> PROMPT;
            case "outputTokens" -> OUTPUT_TOKENS;
            case "thinkingTokens" -> THINKING;
            case "cachedTokens" -> CACHED;
            case "totalTokens" -> TOTAL;
            default -> 0;
          };
      if (field == 0) {
        if (others == null) {
          others = new ArrayList<>(2);
        } else if (others.contains(name)) {
          throw new Unusual();
        }
        others.add(name);
      } else if ((seen & field) != 0) {
        throw new Unusual();
      }
      seen |= field;
      JsonToken v = p.nextToken();
      switch (field) {
        case PROMPT -> prompt = number(p, v);
        case OUTPUT_TOKENS -> output = number(p, v);
        case THINKING -> thinking = number(p, v);
        case CACHED -> cached = number(p, v);
        default -> skip(p, v); // totalTokens is derived; fields of newer writers
      }
    }
    if ((seen & USAGE_PRIMITIVES) != USAGE_PRIMITIVES) {
      throw new Unusual();
    }
    return new Usage(prompt, output, thinking, cached);
  }

  private static String string(JsonParser p, JsonToken v) {
    if (v == JsonToken.VALUE_STRING) {
      try {
        return p.getText();
      } catch (IOException e) {
        throw new Unusual();
      }
    }
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    throw new Unusual();
  }

  private static boolean bool(JsonToken v) {
    if (v == JsonToken.VALUE_TRUE) {
      return true;
    }
    if (v == JsonToken.VALUE_FALSE) {
      return false;
    }
    throw new Unusual();
  }

  private static long number(JsonParser p, JsonToken v) throws IOException {
    if (v != JsonToken.VALUE_NUMBER_INT) {
      throw new Unusual();
    }
    return p.getLongValue();
  }

  /**
   * Skips the value at {@code v} to its end, as Jackson's {@code skipChildren} does, but failing on
   * a duplicate key in any object inside it (the shared configuration's strict duplicate
   * detection).
   */
  private static void skip(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.START_ARRAY) {
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        skip(p, t);
      }
    } else if (v == JsonToken.START_OBJECT) {
      String first = null;
      Set<String> names = null;
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        String name = p.currentName();
        if (first == null) {
          first = name;
        } else {
          if (names == null) {
            names = new HashSet<>();
            names.add(first);
          }
          if (!names.add(name)) {
            throw new Unusual();
          }
        }
        skip(p, p.nextToken());
      }
    } else if (v == null || !v.isScalarValue()) {
      throw new Unusual();
    }
  }

  /** A shape the fast path leaves to the full decoder. */
  private static final class Unusual extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unusual() {
      super(null, null, false, false);
    }
  }
}
