package dev.gpilot.api.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch replay's state file and the keys its forks are asked for under; no API. */
class ReplayStateTest {
  @TempDir Path dir;

  @Test
  void aLineCutShortByACrash_isIgnored_andTheNextLineAppendedIsReadBack() throws Exception {
    ReplayState created =
        ReplayState.create(dir, "r1", Json.mapper().createObjectNode().put("runId", "r1"));
    created.forked("m1", "f1");
    // The crash: the second line half written, no newline.
    Files.writeString(
        created.file(),
        "{\"original\":\"m2\",\"fo",
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);

    ReplayState resumed = ReplayState.read(dir, "r1");
    assertThat(resumed.done()).extracting(ReplayState.Done::original).containsExactly("m1");
    resumed.forked("m2", "f2");

    assertThat(ReplayState.read(dir, "r1").done())
        .containsExactly(
            new ReplayState.Done("m1", "f1", null, null),
            new ReplayState.Done("m2", "f2", null, null));
  }

  @Test
  void theIdempotencyKeyOfAFork_isStablePerRunAndOriginal_andAValidKeyForAnyMissionId() {
    String key =
        MissionReplay.idempotencyKey("r20261205-ab12", "0b7e5c1e-3f1a-4d8e-9a55-2f0c1b7d9e10");

    assertThat(
            MissionReplay.idempotencyKey("r20261205-ab12", "0b7e5c1e-3f1a-4d8e-9a55-2f0c1b7d9e10"))
        .isEqualTo(key);
    Set<String> keys = new HashSet<>();
    for (String run : List.of("r1", "r2", "x".repeat(64))) {
      for (String mission :
          List.of("m1", "m2", "a mission id with spaces and ü", "m".repeat(1_000))) {
        String k = MissionReplay.idempotencyKey(run, mission);
        assertThat(k).matches("[\\x21-\\x7e]{1,255}");
        keys.add(k);
      }
    }
    assertThat(keys).hasSize(12);
  }
}
