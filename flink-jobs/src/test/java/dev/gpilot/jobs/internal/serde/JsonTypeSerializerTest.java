package dev.gpilot.jobs.internal.serde;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.step.StepResult;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink's serializer contract for a record that travels as its JSON contract (here a step's result
 * between the executor and the scheduler): copies share nothing, lengths prefix the bytes,
 * snapshots restore it.
 */
class JsonTypeSerializerTest extends SerializerTestBase<StepResult> {
  @Override
  protected TypeSerializer<StepResult> createSerializer() {
    return new JsonTypeSerializer<>(StepResult.class);
  }

  @Override
  protected boolean allowNullInstances(TypeSerializer<StepResult> serializer) {
    return true;
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<StepResult> getTypeClass() {
    return StepResult.class;
  }

  @Override
  protected StepResult[] getTestData() {
    ObjectNode output =
        Json.mapper().createObjectNode().put("text", "Plan — ünïcode, \"quotes\"\n");
    output.putArray("items").add(1).add("two").addObject().put("nested", true);
    return new StepResult[] {
      new StepResult(
          "m-1",
          "ws-a",
          "s1",
          1,
          "agent-scout",
          true,
          output,
          null,
          10,
          20,
          "gemini-2.5-flash",
          new Usage(100, 20, 5, 10),
          1234,
          "2025-06-17",
          false),
      StepResult.failed("m-1", "ws-a", "s2", 3, "seo-analyst", "429 quota", 30, 40),
      new StepResult(
          "m-2",
          "ws-b",
          "s1",
          1,
          "agent-scout",
          true,
          Json.mapper().createObjectNode().put("big", "x".repeat(100_000)),
          null,
          0,
          Long.MAX_VALUE,
          null,
          null,
          0,
          null,
          false)
    };
  }
}
