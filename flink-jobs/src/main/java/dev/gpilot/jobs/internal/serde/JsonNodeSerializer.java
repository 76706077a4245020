package dev.gpilot.jobs.internal.serde;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.util.List;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** Free JSON (a step's output) as length-prefixed UTF-8 JSON text; null as length -1. */
public final class JsonNodeSerializer extends LayoutSerializer<JsonNode> {
  private static final long serialVersionUID = 1L;
  public static final JsonNodeSerializer INSTANCE = new JsonNodeSerializer();
  private static final List<String> LAYOUT = List.of("json:utf8");

  @Override
  public List<String> layout() {
    return LAYOUT;
  }

  @Override
  public JsonNode createInstance() {
    return Json.mapper().nullNode();
  }

  @Override
  public JsonNode copy(JsonNode from) {
    return from == null ? null : from.deepCopy();
  }

  @Override
  public void serialize(JsonNode node, DataOutputView out) throws IOException {
    LengthPrefixed.write(node == null ? null : Json.mapper().writeValueAsBytes(node), out);
  }

  @Override
  public JsonNode deserialize(DataInputView in) throws IOException {
    byte[] bytes = LengthPrefixed.read(in);
    return bytes == null ? null : Json.mapper().readTree(bytes);
  }
}
