package dev.gpilot.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the MissionJob on a local MiniCluster with Flink's web UI, the production settings ({@link
 * MissionJobFlinkOptions}) and checkpoints under {@code GPILOT_HOME} (what {@code ./gpilot up}
 * starts). On start it resumes from the newest retained checkpoint or savepoint (the cluster's
 * included), so missions in flight when it was stopped carry on.
 */
public final class LocalMissionJob {
  private static final Logger LOG = LoggerFactory.getLogger(LocalMissionJob.class);

  public static void main(String[] args) throws Exception {
    var env = System.getenv();
    Path home = Path.of(env.getOrDefault("GPILOT_HOME", ".gpilot")).toAbsolutePath();
    Path checkpoints = home.resolve("flink/checkpoints");
    Files.createDirectories(checkpoints);
    int parallelism = Integer.parseInt(env.getOrDefault("GPILOT_JOB_PARALLELISM", "2"));

    Configuration conf =
        localConfiguration(
            checkpoints,
            parallelism,
            Integer.parseInt(env.getOrDefault("GPILOT_FLINK_UI_PORT", "8081")),
            checkpointIntervalMs(env));
    // `gpilot up --cluster` keeps its checkpoints and savepoints beside these: either mode resumes
    // from the other's.
    latestSnapshot(home.resolve("flink"))
        .ifPresent(
            chk -> {
              LOG.info("resuming from checkpoint {}", chk);
              conf.set(StateRecoveryOptions.SAVEPOINT_PATH, chk.toString());
              // Once, after an upgrade that removed an operator (SPEC.md section 4): its state is
              // dropped, not restored.
              conf.set(
                  StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE,
                  Boolean.parseBoolean(
                      env.getOrDefault("GPILOT_RESTORE_DROP_REMOVED_STATE", "false")));
            });

    StreamExecutionEnvironment flink =
        StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
    MissionJobFlinkOptions.applyTo(flink);
    MissionJob job = new MissionJob(MissionJobOptions.fromEnv(env));
    job.ensureTopics();
    job.build(flink);
    try {
      flink.execute("gpilot-mission-job");
    } catch (Exception e) {
      if (causes(e, "Cannot map checkpoint/savepoint state")) {
        LOG.error(
            "the newest checkpoint holds state of an operator this version of the job no longer has (SPEC.md"
                + " section 4 names them): start once with GPILOT_RESTORE_DROP_REMOVED_STATE=true to drop that state");
      }
      throw e;
    }
  }

  /**
   * {@code GPILOT_CHECKPOINT_INTERVAL_MS}, else the production default ({@link
   * MissionJobFlinkOptions#DEFAULT_CHECKPOINT_INTERVAL}, 10 s). Not shorter by default: each
   * checkpoint flushes every RocksDB column family of every keyed operator (incremental
   * checkpoints), and at 2 s those flushes and the compactions of the small files they leave cost
   * the job about a fifth of its CPU per mission (docs/benchmarks/dag.md). Outputs do not wait for
   * checkpoints (at-least-once sinks); a restart resumes from the newest one, redoing up to an
   * interval of work, which consumers dedupe.
   */
  static long checkpointIntervalMs(Map<String, String> env) {
    String interval = env.get("GPILOT_CHECKPOINT_INTERVAL_MS");
    return interval == null || interval.isBlank()
        ? MissionJobFlinkOptions.DEFAULT_CHECKPOINT_INTERVAL.toMillis()
        : Long.parseLong(interval.trim());
  }

  private static boolean causes(Throwable e, String message) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains(message)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts the job on a new local MiniCluster without the web UI and returns at once; cancelling
   * the returned client stops the job and its MiniCluster. For tests and benchmarks.
   */
  public static JobClient start(MissionJobOptions options, Configuration conf) throws Exception {
    return start(new MissionJob(options), conf);
  }

  /** Like {@link #start(MissionJobOptions, Configuration)}, for a job made with other agents. */
  public static JobClient start(MissionJob job, Configuration conf) throws Exception {
    StreamExecutionEnvironment flink = StreamExecutionEnvironment.createLocalEnvironment(conf);
    MissionJobFlinkOptions.applyTo(flink);
    job.ensureTopics();
    job.build(flink);
    return flink.executeAsync("gpilot-mission-job");
  }

  /**
   * What a laptop adds to the production settings ({@link MissionJobFlinkOptions}, applied under
   * these): the web UI on loopback, one task manager with a slot per subtask, checkpoints under
   * {@code checkpoints} (a restarted {@code gpilot up} resumes from the newest one).
   */
  public static Configuration localConfiguration(
      Path checkpoints, int parallelism, int uiPort, long intervalMs) {
    Configuration conf = new Configuration();
    conf.set(RestOptions.PORT, uiPort);
    conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    conf.set(RestOptions.ADDRESS, "127.0.0.1");
    conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
    conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(intervalMs));
    return conf;
  }

  /**
   * The newest complete retained checkpoint or savepoint (a {@code chk-*} or {@code savepoint-*}
   * directory with its {@code _metadata}) under {@code root} ({@code checkpoints/<job>/chk-N},
   * {@code savepoints/savepoint-*}), if any.
   */
  static Optional<Path> latestSnapshot(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.walk(root, 4)) {
      return files
          .filter(p -> p.getFileName().toString().equals("_metadata"))
          .map(Path::getParent)
          .filter(
              p ->
                  p.getFileName().toString().startsWith("chk-")
                      || p.getFileName().toString().startsWith("savepoint-"))
          .max(Comparator.comparingLong(p -> p.resolve("_metadata").toFile().lastModified()));
    }
  }

  private LocalMissionJob() {}
}
