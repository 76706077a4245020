package dev.gpilot.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.gpilot.contracts.json.Json;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Validates JSON against the published schemas in {@code contracts/src/main/resources/schemas/}.
 */
public final class Schemas {
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(
          SpecVersion.VersionFlag.V202012,
          b ->
              b.schemaMappers(
                  m -> m.mapPrefix("https://gpilot.dev/schemas/", "classpath:schemas/")));

  private Schemas() {}

  /**
   * The problems of {@code json} against schema {@code name} (e.g. "mission-event.v1"); empty when
   * valid.
   */
  public static Set<String> problems(String name, JsonNode json) {
    JsonSchema schema =
        FACTORY.getSchema(SchemaLocation.of("https://gpilot.dev/schemas/" + name + ".schema.json"));
    Set<ValidationMessage> messages = schema.validate(json);
    return messages.stream().map(ValidationMessage::getMessage).collect(Collectors.toSet());
  }

  public static Set<String> problems(String name, Object record) {
    return problems(name, Json.mapper().valueToTree(record));
  }
}
