package dev.gpilot.contracts.events;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An event of a type this reader does not know (a newer writer's). Readers keep it in its place in
 * the mission's seq order and otherwise pass it by; it keeps the fields it was read with, so it
 * writes back what it read.
 *
 * @param fields every field besides the envelope's ({@code type}, {@code version}, {@code id},
 *     {@code missionId}, {@code workspaceId}, {@code seq}, {@code ts}) and {@code final}, in the
 *     order read
 */
public record UnknownMissionEvent(
    String type,
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    @JsonIgnore ObjectNode fields)
    implements MissionEvent {
  private static final Set<String> ENVELOPE =
      Set.of("type", "version", "id", "missionId", "workspaceId", "seq", "ts", "final");

  public UnknownMissionEvent {
    Objects.requireNonNull(type, "type is required");
    EventEnvelope.check(missionId, workspaceId, seq);
    ObjectNode copy = Json.mapper().createObjectNode();
    if (fields != null) {
      fields
          .fields()
          .forEachRemaining(
              f -> {
                if (!ENVELOPE.contains(f.getKey())) {
                  copy.set(f.getKey(), f.getValue().deepCopy());
                }
              });
    }
    fields = copy;
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static UnknownMissionEvent read(ObjectNode json) {
    return new UnknownMissionEvent(
        string(json, "type"),
        string(json, "missionId"),
        string(json, "workspaceId"),
        number(json, "seq"),
        number(json, "ts"),
        json);
  }

  /** A copy of the fields: the record stays immutable. */
  @JsonIgnore
  @Override
  public ObjectNode fields() {
    return fields.deepCopy();
  }

  /** A field that is a string, or null. */
  public String string(String field) {
    return string(fields, field);
  }

  @JsonAnyGetter
  Map<String, JsonNode> otherFields() {
    Map<String, JsonNode> all = new LinkedHashMap<>();
    fields.fields().forEachRemaining(f -> all.put(f.getKey(), f.getValue()));
    return all;
  }

  private static String string(JsonNode json, String field) {
    JsonNode value = json.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }

  private static long number(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
      throw new IllegalArgumentException(field + " must be an integer");
    }
    return value.asLong();
  }
}
