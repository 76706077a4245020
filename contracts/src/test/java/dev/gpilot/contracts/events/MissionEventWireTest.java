package dev.gpilot.contracts.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.testing.Schemas;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The wire format of {@code gpilot.mission-events.v1} is fixed: every line of {@code events/mission-events.v1.ndjson}
 * is what the MissionJob wrote before {@link MissionEvent} became a sealed type (each type with every field the job
 * sets, and without its optional ones where it has some), and must read and write back byte for byte.
 */
class MissionEventWireTest {
  private static final JsonCodec<MissionEvent> CODEC = JsonCodec.of(MissionEvent.class);

  static List<String> written() throws IOException {
    try (InputStream in = MissionEventWireTest.class.getResourceAsStream("/events/mission-events.v1.ndjson")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    }
  }

  @ParameterizedTest
  @MethodSource("written")
  void eventAsTheJobWroteIt_readsAndWritesBackByteForByte(String json) throws Exception {
    MissionEvent event = CODEC.decode(json.getBytes(StandardCharsets.UTF_8));

    assertThat(event.type()).isEqualTo(Json.mapper().readTree(json).get("type").asText());
    assertThat(new String(CODEC.encode(event), StandardCharsets.UTF_8)).isEqualTo(json);
    assertThat(Schemas.problems("mission-event.v1", Json.mapper().readTree(json))).isEmpty();
  }
}
