package dev.gpilot.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class MissionJobFlinkOptionsTest {
  private static final String CHECKPOINTS = "file:///var/gpilot/checkpoints";

  @Test
  void clusterThatSetsOnlyTheCheckpointDir_getsEveryProductionSetting() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(cluster());

    MissionJobFlinkOptions.applyTo(env);

    assertThat(env.getConfiguration().get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
    assertThat(env.getConfiguration().get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
    assertThat(env.getConfiguration().get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS))
        .isEqualTo(2);
    assertThat(env.getConfiguration().get(RocksDBConfigurableOptions.USE_BLOOM_FILTER)).isTrue();
    assertThat(env.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY))
        .isEqualTo("exponential-delay");
    assertThat(env.getConfiguration().get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
        .isEqualTo(CHECKPOINTS);
    // What the environment's own views were configured with, not only its map: the graph is built
    // from these.
    assertThat(env.getCheckpointConfig().getCheckpointInterval())
        .isEqualTo(MissionJobFlinkOptions.DEFAULT_CHECKPOINT_INTERVAL.toMillis());
    assertThat(env.getCheckpointConfig().getTolerableCheckpointFailureNumber()).isEqualTo(12);
    assertThat(env.getCheckpointConfig().getExternalizedCheckpointRetention())
        .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    assertThat(env.getConfig().isObjectReuseEnabled()).isTrue();
    assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
  }

  @Test
  void valuesTheClusterSets_winOverTheJobs() {
    Configuration cluster = cluster();
    cluster.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    cluster.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(45));
    cluster.setString("pipeline.object-reuse", "false"); // as config.yaml spells it
    cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(cluster);

    MissionJobFlinkOptions.applyTo(env);

    assertThat(env.getConfiguration().get(StateBackendOptions.STATE_BACKEND)).isEqualTo("hashmap");
    assertThat(env.getCheckpointConfig().getCheckpointInterval()).isEqualTo(45_000);
    assertThat(env.getConfig().isObjectReuseEnabled()).isFalse();
    assertThat(env.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY))
        .isEqualTo("fixed-delay");
    // What the cluster left unset still comes from the job.
    assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
    assertThat(env.getConfiguration().get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
  }

  @Test
  void defaults_areOnlyTheOptionsTheClusterLeftUnset() {
    Configuration cluster = cluster();
    cluster.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 5);

    Configuration defaults = MissionJobFlinkOptions.defaultsUnder(cluster);

    assertThat(defaults.getOptional(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS)).isEmpty();
    assertThat(defaults.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEmpty();
    assertThat(defaults.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
  }

  @Test
  void clusterWithoutACheckpointDir_isRefusedNamingTheKey() {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());

    assertThatThrownBy(() -> MissionJobFlinkOptions.applyTo(env))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("execution.checkpointing.dir");
  }

  @Test
  void localConfiguration_addsOnlyWhatALaptopNeeds() {
    Configuration local =
        LocalMissionJob.localConfiguration(java.nio.file.Path.of("/tmp/chk"), 2, 0, 2000);

    assertThat(local.getOptional(StateBackendOptions.STATE_BACKEND)).isEmpty();
    assertThat(local.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
        .isEqualTo(Duration.ofSeconds(2));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(local);
    MissionJobFlinkOptions.applyTo(env);
    assertThat(env.getCheckpointConfig().getCheckpointInterval()).isEqualTo(2000);
    assertThat(env.getConfiguration().get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
  }

  private static Configuration cluster() {
    Configuration cluster = new Configuration();
    cluster.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, CHECKPOINTS);
    return cluster;
  }
}
