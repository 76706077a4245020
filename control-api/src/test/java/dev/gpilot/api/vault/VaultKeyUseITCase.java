package dev.gpilot.api.vault;

import static dev.gpilot.api.testing.StoredRows.awaitRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.contracts.Sha256;
import dev.gpilot.contracts.vault.VaultKeyOptions;
import dev.gpilot.jobs.LocalMissionJob;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.jobs.agents.AgentOptions;
import dev.gpilot.jobs.agents.gemini.ApiKey;
import dev.gpilot.jobs.agents.gemini.DeploymentKey;
import dev.gpilot.jobs.agents.gemini.GeminiOptions;
import dev.gpilot.jobs.vault.VaultKeyResolverOptions;
import dev.gpilot.standin.GeminiStandin;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Missions on the real job, through the real GeminiAgent (google-genai), call the Gemini stand-in,
 * which records the digest of every call's API key: a workspace without a key uses the deployment
 * key, one with a key uses its own, and a key replaced or rotated through the API is used by the
 * next mission of the same running job.
 */
class VaultKeyUseITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static final String DEPLOYMENT_KEY = "deployment-" + UUID.randomUUID();

  private static GeminiStandin standIn;
  private static ControlApi api;
  private static VaultHttp vault;
  private static JobClient job;

  @BeforeAll
  static void start() throws Exception {
    standIn = GeminiStandin.start(0);
    String keyset = Files.createTempDirectory("vault-use").resolve("master.json").toString();
    api =
        new ControlApi(
                new ApiOptions(
                    "127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 10_000, 2),
                TokenAuthenticator.of(
                    Map.of(
                        "t-own",
                        new Principal("ws-own", "alice"),
                        "t-none",
                        new Principal("ws-none", "bob"))),
                VaultOptions.localKeyset(keyset).withRotationInterval(Duration.ZERO))
            .start();
    vault = new VaultHttp(api.port());

    // The real job and the real GeminiAgent (google-genai) against the stand-in, keys from the
    // vault.
    String bootstrap = KAFKA.bootstrapServers();
    MissionJobOptions options =
        MissionJobOptions.of(bootstrap, CLICKHOUSE.url(), CLICKHOUSE.database())
            .withAgents(
                new AgentOptions(
                    AgentOptions.Backend.GEMINI,
                    GeminiOptions.of(
                        DeploymentKey.insecureInJobGraph(ApiKey.of(DEPLOYMENT_KEY)),
                        standIn.baseUrl()),
                    3,
                    Duration.ofMillis(100),
                    Duration.ofSeconds(1),
                    new VaultKeyResolverOptions(
                        bootstrap, VaultKeyOptions.localKeyset(keyset), "UNUSED")));
    job =
        LocalMissionJob.start(
            options,
            LocalMissionJob.localConfiguration(
                Files.createTempDirectory("checkpoints"), 1, 0, 1000));
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
    if (job != null) {
      job.cancel().get();
    }
    if (standIn != null) {
      standIn.close();
    }
  }

  private static String sha256(String key) {
    return Sha256.hex(key);
  }

  /**
   * Runs a one-step mission in the workspace and returns the digest of the key its model call used.
   */
  private static synchronized String keyUsedByAMission(String token) throws Exception {
    standIn.clearCalls();
    ApiClient client = new ApiClient(api.port(), token);
    String missionId =
        client.submit(ApiClient.missionBody("deterministic", "scout the market", "agent-scout"));
    assertThat(client.awaitFinished(missionId, Duration.ofSeconds(60)).get("status").asText())
        .isEqualTo("COMPLETED");
    List<String> keys = standIn.calls().stream().map(c -> c.apiKeySha256()).distinct().toList();
    assertThat(keys).hasSize(1);
    return keys.get(0);
  }

  @Test
  void eachCall_usesTheWorkspacesCurrentKey_orTheDeploymentKey_withoutARestart() throws Exception {
    assertThat(keyUsedByAMission("t-own")).isEqualTo(sha256(DEPLOYMENT_KEY));

    String keyA = "AIza-A-" + UUID.randomUUID();
    assertThat(vault.putValue("gemini", keyA, "t-own").statusCode()).isEqualTo(201);
    // The job follows the vault topic: the next mission uses the new key (allow a moment for it to
    // arrive).
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(keyUsedByAMission("t-own")).isEqualTo(sha256(keyA)));
    assertThat(keyUsedByAMission("t-none")).isEqualTo(sha256(DEPLOYMENT_KEY));

    String keyB = "AIza-B-" + UUID.randomUUID();
    assertThat(vault.putValue("gemini", keyB, "t-own").statusCode()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(keyUsedByAMission("t-own")).isEqualTo(sha256(keyB)));

    assertThat(vault.rotate("t-own").statusCode()).isEqualTo(200);
    assertThat(keyUsedByAMission("t-own")).isEqualTo(sha256(keyB));

    assertThat(vault.delete("gemini", "t-own").statusCode()).isEqualTo(204);
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(
            () -> assertThat(keyUsedByAMission("t-own")).isEqualTo(sha256(DEPLOYMENT_KEY)));

    // Every use of the workspace's key was audited with its mission; none with a value.
    awaitRows(
        CLICKHOUSE,
        Duration.ofSeconds(60),
        "SELECT mission_id, key_version, fingerprint FROM "
            + "audit_events FINAL WHERE workspace_id = 'ws-own' AND action = 'vault.secret.decrypt'",
        rows -> {
          assertThat(rows)
              .isNotEmpty()
              .allSatisfy(r -> assertThat(r.get("mission_id").asText()).isNotEmpty());
          assertThat(rows).extracting(r -> r.get("key_version").asInt()).contains(1, 2);
          assertThat(rows.toString()).doesNotContain(keyA).doesNotContain(keyB);
        });
  }
}
