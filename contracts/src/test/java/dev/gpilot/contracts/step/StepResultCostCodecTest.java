package dev.gpilot.contracts.step;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The lean decode of step results against the full one on the same bytes: for every input both fail
 * with the same message, or both succeed and agree on everything but {@code output} and {@code
 * error}.
 */
class StepResultCostCodecTest {
  private static final JsonCodec<StepResult> FULL = JsonCodec.of(StepResult.class);

  private static final StepResult PRICED =
      new StepResult(
          "m-1",
          "ws-1",
          "write",
          2,
          "content-orchestrator",
          true,
          Json.mapper().createObjectNode().put("text", "a long post").put("words", 3),
          null,
          1_790_000_000_000L,
          1_790_000_001_234L,
          "gemini-2.5-pro",
          new Usage(1_234, 567, 89, 10),
          9_876_543L,
          "2026-11/1",
          false);

  private static final StepResult RETRIED =
      new StepResult(
          "m-2",
          "ws-2",
          "scout",
          1,
          "agent-scout",
          false,
          null,
          "429 from the provider",
          5,
          7,
          "gemini-2.5-flash",
          new Usage(10, 0, 0, 0),
          12,
          "2026-11/1",
          true,
          30_000L);

  private static final StepResult NO_MODEL =
      StepResult.failed("m-3", "ws-1", "s1", 1, null, "no such tool", 5, 7);

  /** The JSON values every field is tried with. */
  private static final List<String> VALUES =
      List.of(
          "null",
          "\"1\"",
          "\"\"",
          "1",
          "0",
          "-1",
          "1.0",
          "1.5",
          "1e3",
          "99999999999999999999",
          "3000000000",
          "true",
          "false",
          "{}",
          "[]",
          "{\"a\":1}",
          "[1,{\"b\":[]}]",
          "{\"a\":1,\"a\":2}",
          "{\"promptTokens\":5,\"outputTokens\":1,\"thinkingTokens\":0,\"cachedTokens\":0}");

  @Test
  void recordsAsTheExecutorWritesThem_decodeWithoutOutputAndError() {
    for (StepResult r : List.of(PRICED, RETRIED, NO_MODEL)) {
      StepResult lean = StepResultCostCodec.decode(FULL.encode(r));
      assertThat(lean.output()).isNull();
      assertThat(lean.error()).isNull();
      assertThat(lean).isEqualTo(StepResultCostCodec.withoutOutput(r));
      assertThat(lean.usage()).isEqualTo(r.usage());
      assertThat(lean.costMicros()).isEqualTo(r.costMicros());
      assertSame(FULL.encode(r));
    }
  }

  @Test
  void everyFieldWithEveryKindOfValue_missingOrDuplicated_agreesWithTheFullDecode() {
    int inputs = 0;
    for (StepResult r : List.of(PRICED, RETRIED, NO_MODEL)) {
      ObjectNode base = (ObjectNode) Json.mapper().valueToTree(r);
      List<String> fields = new ArrayList<>();
      base.fieldNames().forEachRemaining(fields::add);
      fields.addAll(List.of("output", "error", "usage", "retryAfterMs", "model", "unknownField"));
      for (String field : fields) {
        ObjectNode without = base.deepCopy();
        without.remove(field);
        assertSame(bytes(without.toString()));
        inputs++;
        for (String value : VALUES) {
          ObjectNode with = base.deepCopy();
          with.set(field, tree(value));
          assertSame(bytes(with.toString()));
          // The same field twice, the second time with this value (text: a tree cannot hold it).
          assertSame(bytes("{\"" + field + "\":" + value + "," + base.toString().substring(1)));
          inputs += 2;
        }
      }
      JsonNode usage = base.get("usage");
      if (usage != null && usage.isObject()) {
        List<String> usageFields = new ArrayList<>();
        usage.fieldNames().forEachRemaining(usageFields::add);
        usageFields.add("somethingNew");
        for (String field : usageFields) {
          ObjectNode without = base.deepCopy();
          ((ObjectNode) without.get("usage")).remove(field);
          assertSame(bytes(without.toString()));
          for (String value : VALUES) {
            ObjectNode with = base.deepCopy();
            ((ObjectNode) with.get("usage")).set(field, tree(value));
            assertSame(bytes(with.toString()));
            ObjectNode twice = base.deepCopy();
            twice.put("usage", "PLACEHOLDER");
            assertSame(
                bytes(
                    twice
                        .toString()
                        .replace(
                            "\"PLACEHOLDER\"",
                            "{\"" + field + "\":" + value + "," + usage.toString().substring(1))));
            inputs += 3;
          }
        }
      }
    }
    assertThat(inputs).isGreaterThan(500);
  }

  @Test
  void unknownFieldsOfNewerWriters_areSkipped_andTheirDuplicatesRejectedAsBefore() {
    String body = bodyWithoutOutput();
    assertDecodes("{\"costCenter\":\"x\",\"trace\":{\"spans\":[{\"a\":1},{\"a\":2}]}," + body);
    assertSame(bytes("{\"costCenter\":\"x\",\"costCenter\":\"y\"," + body));
    assertSame(bytes("{\"trace\":{\"a\":1,\"b\":{\"c\":1,\"c\":2}}," + body));
    assertSame(bytes("{\"output\":{\"text\":\"a\",\"parts\":[{\"x\":1,\"y\":2,\"x\":3}]}," + body));
  }

  @Test
  void anInvalidInvariant_failsWithTheFullDecodersMessage() {
    String json = new String(FULL.encode(PRICED), StandardCharsets.UTF_8);
    for (String broken :
        List.of(
            json.replace("\"attempt\":2", "\"attempt\":0"),
            json.replace("\"costMicros\":9876543", "\"costMicros\":-1"),
            json.replace("\"cachedTokens\":10", "\"cachedTokens\":5000"),
            json.replace("\"retriable\":false", "\"retriable\":false,\"retryAfterMs\":5"),
            json.replace("\"missionId\":\"m-1\",", ""))) {
      assertThat(broken).isNotEqualTo(json);
      assertThat(outcome(() -> FULL.decode(bytes(broken)))).startsWith("fails:");
      assertSame(bytes(broken));
    }
  }

  @Test
  void brokenJson_trailingTokensAndOtherRoots_failAsBefore() {
    String json = new String(FULL.encode(RETRIED), StandardCharsets.UTF_8);
    for (int cut = 0; cut < json.length(); cut += 7) {
      assertSame(bytes(json.substring(0, cut)));
    }
    for (String other :
        List.of(
            json + " {}",
            json + "x",
            json + " ",
            "[]",
            "null",
            "5",
            "\"x\"",
            "",
            "{\"output\":\"unterminated}",
            "{\"output\":[1,2}")) {
      assertSame(bytes(other));
    }
    // Invalid UTF-8 inside a skipped string.
    byte[] bad = bytes("{\"output\":{\"text\":\"ab\"}," + json.substring(1));
    bad[19] = (byte) 0xC3;
    bad[20] = (byte) 0x28;
    assertSame(bad);
  }

  @Test
  void deepAndHugeOutputs_areSkippedWithinTheSharedLimits() {
    String body = bodyWithoutOutput();
    // Nesting: 64 levels is the shared limit (Json), counted from the record itself.
    for (int depth : new int[] {10, 62, 63, 64, 200}) {
      String output = "[".repeat(depth) + "]".repeat(depth);
      assertSame(bytes("{\"output\":" + output + "," + body));
    }
    // A big output: skipped, not built.
    String text = "word ".repeat(400_000);
    byte[] big =
        bytes("{\"output\":{\"text\":\"" + text + "\",\"n\":" + "9".repeat(900) + "}," + body);
    assertDecodes(new String(big, StandardCharsets.UTF_8));
    assertSame(bytes("{\"output\":" + "1".repeat(1_500) + "," + body));
  }

  /** PRICED's JSON without its output, from after its opening brace. */
  private static String bodyWithoutOutput() {
    return new String(
            FULL.encode(StepResultCostCodec.withoutOutput(PRICED)), StandardCharsets.UTF_8)
        .substring(1);
  }

  private static void assertDecodes(String json) {
    StepResult lean = StepResultCostCodec.decode(bytes(json));
    assertThat(lean.output()).isNull();
    assertSame(bytes(json));
  }

  /** Both decoders fail with the same message, or agree on the record without output and error. */
  private static void assertSame(byte[] json) {
    String full =
        outcome(
            () -> {
              StepResult r = FULL.decode(json);
              return r == null ? null : StepResultCostCodec.withoutOutput(r);
            });
    String lean = outcome(() -> StepResultCostCodec.decode(json));
    assertThat(lean)
        .as("lean decode of %s", abbreviate(new String(json, StandardCharsets.UTF_8)))
        .isEqualTo(full);
  }

  private static String outcome(java.util.function.Supplier<StepResult> decode) {
    try {
      StepResult r = decode.get();
      if (r != null) {
        assertThat(r.output()).isNull();
        assertThat(r.error()).isNull();
      }
      return "decodes: " + r;
    } catch (CodecException e) {
      return "fails: " + e.getMessage();
    }
  }

  private static JsonNode tree(String json) {
    try {
      // A plain mapper: it keeps the last of duplicate keys (the text variant keeps both).
      return new ObjectMapper().readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "…";
  }
}
