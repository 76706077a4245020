package dev.gpilot.jobs;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink settings the MissionJob runs with in production (SPEC.md section 1, "Deployment"), as
 * typed {@link ConfigOption}s. {@link MissionJob#main} applies them to the environment the cluster
 * gives it; a value the cluster's own configuration sets ({@code config.yaml}, {@code -D} on
 * submission) wins over the job's.
 *
 * <p>Where checkpoints go is not the job's to choose: {@code execution.checkpointing.dir} must come
 * from the cluster (or, for {@link LocalMissionJob}, from the laptop's {@code GPILOT_HOME}).
 */
public final class MissionJobFlinkOptions {
  /** How often the job checkpoints when the cluster does not say. */
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);

  /** One default: an option and the job's value for it. */
  private record Default<T>(ConfigOption<T> option, T value) {
    void putUnlessSet(ReadableConfig given, Configuration into) {
      if (given.getOptional(option).isEmpty()) {
        into.set(option, value);
      }
    }
  }

  private static final List<Default<?>> DEFAULTS =
      List.of(
          new Default<>(StateBackendOptions.STATE_BACKEND, "rocksdb"),
          new Default<>(CheckpointingOptions.CHECKPOINTING_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL),
          new Default<>(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true),
          new Default<>(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 2),
          // A ClickHouse outage holds a checkpoint until its sinks have written everything; a
          // checkpoint that expires
          // (10 min) meanwhile should not fail the job, which waits, backpressured, for ClickHouse
          // to come back.
          new Default<>(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 12),
          // `gpilot up` (embedded) resumes from the newest retained checkpoint after a stop or a
          // crash.
          new Default<>(
              CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
              ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION),
          new Default<>(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay"),
          // Every type in the graph has a serializer of its own (records as POJOs, JsonTypeInfo):
          // Kryo would be a bug.
          new Default<>(PipelineOptions.GENERIC_TYPES, false),
          // Operators never hold on to or mutate a record after emitting it (records are
          // immutable).
          new Default<>(PipelineOptions.OBJECT_REUSE, true),
          // Keyed state is mostly looked up by keys never seen (a new mission, a new attempt id):
          // bloom filters answer
          // those without reading every level (bench costs: without them the cost tagger slowed
          // down as state grew).
          new Default<>(RocksDBConfigurableOptions.USE_BLOOM_FILTER, true));

  /**
   * The job's defaults for every option {@code given} does not set.
   *
   * @throws IllegalStateException when {@code given} names no checkpoint directory
   */
  public static Configuration defaultsUnder(ReadableConfig given) {
    if (given.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY).isEmpty()) {
      throw new IllegalStateException(
          "set "
              + CheckpointingOptions.CHECKPOINTS_DIRECTORY.key()
              + " in the cluster's config.yaml (or -D"
              + CheckpointingOptions.CHECKPOINTS_DIRECTORY.key()
              + "=file:///...): the MissionJob keeps its state in retained checkpoints there");
    }
    Configuration defaults = new Configuration();
    DEFAULTS.forEach(d -> d.putUnlessSet(given, defaults));
    return defaults;
  }

  /** Applies {@link #defaultsUnder} the environment's own configuration to {@code env}. */
  public static void applyTo(StreamExecutionEnvironment env) {
    env.configure(defaultsUnder(env.getConfiguration()));
  }

  private MissionJobFlinkOptions() {}
}
