package dev.gpilot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalMissionJobTest {
  @Test
  void latestSnapshot_isTheNewestCompleteCheckpointOrSavepoint(@TempDir Path flink)
      throws Exception {
    Path older = complete(flink.resolve("checkpoints/job-a/chk-7"), 1_000);
    Path savepoint = complete(flink.resolve("savepoints/savepoint-1a2b3c-4d5e6f"), 3_000);
    Files.createDirectories(
        flink.resolve("checkpoints/job-a/chk-8")); // in progress: no _metadata yet

    assertThat(LocalMissionJob.latestSnapshot(flink)).contains(savepoint);

    Path newer = complete(flink.resolve("checkpoints/job-b/chk-2"), 5_000);
    assertThat(LocalMissionJob.latestSnapshot(flink)).contains(newer);
    assertThat(older).exists();
  }

  @Test
  void latestSnapshot_ofAFreshHome_isEmpty(@TempDir Path home) throws Exception {
    assertThat(LocalMissionJob.latestSnapshot(home.resolve("flink"))).isEmpty();
  }

  @Test
  void checkpointInterval_isTheJobsOwnUnlessSet() {
    assertThat(LocalMissionJob.checkpointIntervalMs(Map.of()))
        .isEqualTo(MissionJobFlinkOptions.DEFAULT_CHECKPOINT_INTERVAL.toMillis());
    assertThat(LocalMissionJob.checkpointIntervalMs(Map.of("GPILOT_CHECKPOINT_INTERVAL_MS", "")))
        .isEqualTo(MissionJobFlinkOptions.DEFAULT_CHECKPOINT_INTERVAL.toMillis());
    assertThat(
            LocalMissionJob.checkpointIntervalMs(Map.of("GPILOT_CHECKPOINT_INTERVAL_MS", "1000")))
        .isEqualTo(1000);
  }

  private static Path complete(Path dir, long mtime) throws Exception {
    Files.createDirectories(dir);
    Path metadata = Files.writeString(dir.resolve("_metadata"), "x");
    Files.setLastModifiedTime(metadata, FileTime.fromMillis(mtime));
    return dir;
  }
}
