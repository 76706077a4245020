package dev.gpilot.jobs.costs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The cost pipeline's hot JSON paths, on Jackson's streaming API: reading a step result as a cost record, and
 * writing a cost record as its contract ({@code cost-record.v1}). They do what {@code JsonCodec} does for these
 * types (the tests hold them to it), at a fraction of the cost per record: the pipeline reads and writes every
 * record once, and object mapping was most of its CPU.
 *
 * <p>Reading is as strict as the codec where it matters: numbers must be integers, flags booleans, texts strings
 * or null; a duplicate field, trailing content or a broken invariant (the records' constructors) is an error.
 * Fields a cost record does not need (the output, the error) are skipped unparsed.
 */
final class CostRecordJson {
  // The shared mapper's factory: the same parser and generator features (duplicate detection included).
  private static final JsonFactory FACTORY = Json.mapper().getFactory();

  // Field names, encoded once.
  private static final SerializedString TYPE = new SerializedString("type");
  private static final SerializedString VERSION = new SerializedString("version");
  private static final SerializedString ID = new SerializedString("id");
  private static final SerializedString WORKSPACE_ID = new SerializedString("workspaceId");
  private static final SerializedString MISSION_ID = new SerializedString("missionId");
  private static final SerializedString STEP_ID = new SerializedString("stepId");
  private static final SerializedString ATTEMPT = new SerializedString("attempt");
  private static final SerializedString AGENT = new SerializedString("agent");
  private static final SerializedString MODEL = new SerializedString("model");
  private static final SerializedString SUCCEEDED = new SerializedString("succeeded");
  private static final SerializedString USAGE = new SerializedString("usage");
  private static final SerializedString PROMPT_TOKENS = new SerializedString("promptTokens");
  private static final SerializedString OUTPUT_TOKENS = new SerializedString("outputTokens");
  private static final SerializedString THINKING_TOKENS = new SerializedString("thinkingTokens");
  private static final SerializedString CACHED_TOKENS = new SerializedString("cachedTokens");
  private static final SerializedString TOTAL_TOKENS = new SerializedString("totalTokens");
  private static final SerializedString COST_MICROS = new SerializedString("costMicros");
  private static final SerializedString PRICE_VERSION = new SerializedString("priceVersion");
  private static final SerializedString STARTED_AT = new SerializedString("startedAt");
  private static final SerializedString FINISHED_AT = new SerializedString("finishedAt");
  private static final SerializedString LATENCY_MS = new SerializedString("latencyMs");

  private CostRecordJson() {}

  /**
   * Reads a {@code step-result.v1} record as the cost record of its attempt.
   *
   * @throws CodecException when it is not a valid step result
   */
  static CostRecord readStepResult(byte[] json) {
    try (JsonParser p = FACTORY.createParser(json)) {
      expect(p.nextToken(), JsonToken.START_OBJECT, "a step result is a JSON object");
      String workspaceId = null;
      String missionId = null;
      String stepId = null;
      String agent = null;
      String model = null;
      String priceVersion = null;
      int attempt = 0;
      boolean succeeded = false;
      Usage usage = null;
      long costMicros = 0;
      long startedAt = 0;
      long finishedAt = 0;
      String field;
      while ((field = p.nextFieldName()) != null) {
        JsonToken token = p.nextToken();
        switch (field) {
          case "workspaceId" -> workspaceId = text(p, token, field);
          case "missionId" -> missionId = text(p, token, field);
          case "stepId" -> stepId = text(p, token, field);
          case "agent" -> agent = text(p, token, field);
          case "model" -> model = text(p, token, field);
          case "priceVersion" -> priceVersion = text(p, token, field);
          case "attempt" -> attempt = Math.toIntExact(integer(p, token, field));
          case "succeeded" -> succeeded = bool(token, field);
          case "usage" -> usage = token == JsonToken.VALUE_NULL ? null : usage(p, token);
          case "costMicros" -> costMicros = integer(p, token, field);
          case "startedAt" -> startedAt = integer(p, token, field);
          case "finishedAt" -> finishedAt = integer(p, token, field);
          default -> p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw new CodecException("not a valid StepResult: content after the object");
      }
      return new CostRecord(workspaceId, missionId, stepId, attempt, agent == null ? "" : agent, model, succeeded,
          usage, costMicros, priceVersion, startedAt, finishedAt);
    } catch (IOException | RuntimeException e) {
      if (e instanceof CodecException codec) {
        throw codec;
      }
      throw new CodecException("not a valid StepResult: " + e.getMessage(), e);
    }
  }

  /** Writes the record as its JSON contract, {@code cost-record.v1}. */
  static byte[] write(CostRecord r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
    try (JsonGenerator g = FACTORY.createGenerator(bytes)) {
      g.writeStartObject();
      g.writeFieldName(TYPE);
      g.writeString(CostRecord.TYPE);
      g.writeFieldName(VERSION);
      g.writeNumber(r.version());
      g.writeFieldName(ID);
      g.writeString(r.id());
      g.writeFieldName(WORKSPACE_ID);
      g.writeString(r.workspaceId());
      g.writeFieldName(MISSION_ID);
      g.writeString(r.missionId());
      g.writeFieldName(STEP_ID);
      g.writeString(r.stepId());
      g.writeFieldName(ATTEMPT);
      g.writeNumber(r.attempt());
      g.writeFieldName(AGENT);
      g.writeString(r.agent());
      if (r.model() != null) {
        g.writeFieldName(MODEL);
        g.writeString(r.model());
      }
      g.writeFieldName(SUCCEEDED);
      g.writeBoolean(r.succeeded());
      Usage u = r.usage();
      g.writeFieldName(USAGE);
      g.writeStartObject();
      g.writeFieldName(PROMPT_TOKENS);
      g.writeNumber(u.promptTokens());
      g.writeFieldName(OUTPUT_TOKENS);
      g.writeNumber(u.outputTokens());
      g.writeFieldName(THINKING_TOKENS);
      g.writeNumber(u.thinkingTokens());
      g.writeFieldName(CACHED_TOKENS);
      g.writeNumber(u.cachedTokens());
      g.writeFieldName(TOTAL_TOKENS);
      g.writeNumber(u.totalTokens());
      g.writeEndObject();
      g.writeFieldName(COST_MICROS);
      g.writeNumber(r.costMicros());
      if (r.priceVersion() != null) {
        g.writeFieldName(PRICE_VERSION);
        g.writeString(r.priceVersion());
      }
      g.writeFieldName(STARTED_AT);
      g.writeNumber(r.startedAt());
      g.writeFieldName(FINISHED_AT);
      g.writeNumber(r.finishedAt());
      g.writeFieldName(LATENCY_MS);
      g.writeNumber(r.latencyMs());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode CostRecord", e);
    }
    return bytes.toByteArray();
  }

  private static Usage usage(JsonParser p, JsonToken token) throws IOException {
    expect(token, JsonToken.START_OBJECT, "usage is an object");
    long prompt = 0;
    long output = 0;
    long thinking = 0;
    long cached = 0;
    String field;
    while ((field = p.nextFieldName()) != null) {
      JsonToken value = p.nextToken();
      switch (field) {
        case "promptTokens" -> prompt = integer(p, value, field);
        case "outputTokens" -> output = integer(p, value, field);
        case "thinkingTokens" -> thinking = integer(p, value, field);
        case "cachedTokens" -> cached = integer(p, value, field);
        default -> p.skipChildren(); // totalTokens is derived
      }
    }
    return new Usage(prompt, output, thinking, cached);
  }

  private static String text(JsonParser p, JsonToken token, String field) throws IOException {
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    expect(token, JsonToken.VALUE_STRING, field + " is a string");
    return p.getText();
  }

  private static long integer(JsonParser p, JsonToken token, String field) throws IOException {
    expect(token, JsonToken.VALUE_NUMBER_INT, field + " is an integer");
    return p.getLongValue();
  }

  private static boolean bool(JsonToken token, String field) {
    if (token == JsonToken.VALUE_TRUE) {
      return true;
    }
    expect(token, JsonToken.VALUE_FALSE, field + " is a boolean");
    return false;
  }

  private static void expect(JsonToken actual, JsonToken expected, String rule) {
    if (actual != expected) {
      throw new CodecException("not a valid StepResult: " + rule + ", got " + actual);
    }
  }
}
