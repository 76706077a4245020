package dev.gpilot.contracts.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonCodecTest {
  private final JsonCodec<MissionSubmitted> codec = JsonCodec.of(MissionSubmitted.class);

  @Test
  void encodeEach_givesEachValueTheBytesEncodeGivesIt_andTheyDecodeBack() {
    List<MissionSubmitted> values =
        List.of(
            new MissionSubmitted(
                "m1", "ws", 1_000, "plain", MissionConfig.DEFAULT, null, null, null),
            new MissionSubmitted(
                "m2",
                "ws",
                2_000,
                "quotes \" and\nnew lines, ünïcödé, 🚀",
                MissionConfig.ofAgents(List.of("agent-scout", "independent-verifier")),
                "key-1",
                "hash",
                "alice"),
            new MissionSubmitted(
                "m3", "ws-2", 3_000, "third", MissionConfig.DEFAULT, null, null, "bob"));

    List<byte[]> each = codec.encodeEach(values);

    assertThat(each).hasSize(3);
    for (int i = 0; i < values.size(); i++) {
      assertThat(each.get(i)).as("value %d", i).isEqualTo(codec.encode(values.get(i)));
      assertThat(codec.decode(each.get(i))).isEqualTo(values.get(i));
    }
    assertThat(codec.encodeEach(List.of())).isEmpty();
  }
}
