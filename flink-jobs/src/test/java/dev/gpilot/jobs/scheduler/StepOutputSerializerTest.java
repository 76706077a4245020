package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.jobs.internal.serde.JsonNodeSerializer;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink's serializer contract for step outputs (free JSON) in {@code mission-outputs}. */
class StepOutputSerializerTest extends SerializerTestBase<JsonNode> {
  @Override
  protected TypeSerializer<JsonNode> createSerializer() {
    return JsonNodeSerializer.INSTANCE;
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<JsonNode> getTypeClass() {
    return JsonNode.class;
  }

  @Override
  protected JsonNode[] getTestData() {
    var object =
        Json.mapper()
            .createObjectNode()
            .put("text", "ü ∑ " + "x".repeat(100_000))
            .put("score", 91.5);
    object.putArray("list").add(1).add("two").addNull();
    return new JsonNode[] {
      object, Json.mapper().getNodeFactory().textNode("plain"), Json.mapper().createArrayNode()
    };
  }
}
