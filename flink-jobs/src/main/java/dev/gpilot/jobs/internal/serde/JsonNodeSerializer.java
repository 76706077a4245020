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
    if (node == null) {
      out.writeInt(-1);
      return;
    }
    byte[] bytes = Json.mapper().writeValueAsBytes(node);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  @Override
  public JsonNode deserialize(DataInputView in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return Json.mapper().readTree(bytes);
  }
}
