package dev.gpilot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the MissionJob ships to the cluster, built without a broker or a ClickHouse to reach
 * (building the graph has no side effects): the job graph is serialized and handed to the
 * JobManager (and stored in its HA store and the web UI's plan), so secrets must stay on the
 * machines that use them (SPEC.md section 7).
 */
class MissionJobGraphITCase {
  /**
   * Nothing listens there: building the graph must not reach a broker (topics are made at
   * start-up).
   */
  private static final String NO_BROKER = "127.0.0.1:1";

  private static final String DEPLOYMENT_KEY = "AIza-deployment-key-must-not-travel-5c1e9b";
  private static final String MASTER_KEY_MATERIAL = "master-keyset-material-must-not-travel-77d0";

  @Test
  void jobGraph_carriesNeitherTheDeploymentKeyNorTheMasterKeyset(@TempDir Path dir)
      throws Exception {
    Path masterKeyset = dir.resolve("master-keyset.json");
    Files.writeString(masterKeyset, "{\"key\": \"" + MASTER_KEY_MATERIAL + "\"}");
    Map<String, String> env =
        Map.of(
            "KAFKA_BOOTSTRAP_SERVERS",
            NO_BROKER,
            "CLICKHOUSE_URL",
            "http://127.0.0.1:1",
            "GEMINI_API_KEY",
            DEPLOYMENT_KEY,
            "GEMINI_BASE_URL",
            "http://127.0.0.1:9",
            "GPILOT_VAULT_MASTER_KEYSET",
            masterKeyset.toString());
    MissionJobOptions options = MissionJobOptions.fromEnv(env);

    // As MissionJob.main builds it on a cluster that names only where checkpoints go.
    Configuration cluster = new Configuration();
    cluster.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("chk").toUri().toString());
    StreamExecutionEnvironment flink = StreamExecutionEnvironment.createLocalEnvironment(cluster);
    MissionJobFlinkOptions.applyTo(flink);
    new MissionJob(options).build(flink);
    StreamGraph streamGraph = flink.getStreamGraph();
    JobGraph jobGraph = streamGraph.getJobGraph();
    // Flink 2 can submit either plan; both carry the operators serialized.
    streamGraph.serializeUserDefinedInstances();
    byte[] shipped =
        concat(
            InstantiationUtil.serializeObject(jobGraph),
            InstantiationUtil.serializeObject(streamGraph));

    assertThat(indexOf(shipped, DEPLOYMENT_KEY))
        .as("the deployment key in the job graph")
        .isEqualTo(-1);
    assertThat(indexOf(shipped, MASTER_KEY_MATERIAL))
        .as("the master keyset in the job graph")
        .isEqualTo(-1);
    // The test would pass on an empty graph: the name of the key's variable and the keyset's path
    // do travel.
    assertThat(indexOf(shipped, "GEMINI_API_KEY")).isNotEqualTo(-1);
    assertThat(indexOf(shipped, masterKeyset.toString())).isNotEqualTo(-1);
  }

  @Test
  void jobGraph_carriesTheProductionSettings(@TempDir Path dir) throws Exception {
    MissionJobOptions options = MissionJobOptions.of(NO_BROKER, "http://127.0.0.1:1", "gpilot");
    Configuration cluster = new Configuration();
    cluster.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("chk").toUri().toString());
    cluster.set(
        CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(3)); // the cluster's, kept
    StreamExecutionEnvironment flink = StreamExecutionEnvironment.createLocalEnvironment(cluster);
    MissionJobFlinkOptions.applyTo(flink);
    new MissionJob(options).build(flink);

    JobGraph jobGraph = flink.getStreamGraph().getJobGraph();

    assertThat(jobGraph.getJobConfiguration().get(StateBackendOptions.STATE_BACKEND))
        .isEqualTo("rocksdb");
    assertThat(jobGraph.getJobConfiguration().get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS))
        .isTrue();
    assertThat(
            jobGraph
                .getCheckpointingSettings()
                .getCheckpointCoordinatorConfiguration()
                .getCheckpointInterval())
        .isEqualTo(3_000);
    var executionConfig =
        jobGraph.getSerializedExecutionConfig().deserializeValue(getClass().getClassLoader());
    assertThat(executionConfig.isObjectReuseEnabled()).isTrue();
    assertThat(executionConfig.getSerializerConfig().hasGenericTypesDisabled()).isTrue();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  private static int indexOf(byte[] haystack, String needle) {
    byte[] n = needle.getBytes(StandardCharsets.UTF_8);
    outer:
    for (int i = 0; i + n.length <= haystack.length; i++) {
      for (int j = 0; j < n.length; j++) {
        if (haystack[i + j] != n[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
