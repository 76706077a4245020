package dev.gpilot.api.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiServer;
import dev.gpilot.contracts.Sha256;
import dev.gpilot.testing.ChildJvm;
import dev.gpilot.testing.KafkaTestBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Under {@code ./gpilot up} the API and the job are separate processes: the API creates the master
 * keyset and seals a workspace's key, and the job, in a JVM that never created a keyset (nor ran
 * anything else of the vault), must open it. Every other vault test runs both in one JVM, where
 * whatever the API did first (Tink's registration included) is already done for the job; here the
 * job side runs in a fresh {@code java} process.
 */
class VaultAcrossProcessesITCase {
  @RegisterExtension
  static final ApiServer API =
      ApiServer.builder().token("t-acme", new Principal("ws-acme", "alice")).vaultAtHome().build();

  private static final KafkaTestBroker KAFKA = API.kafka();

  private static Path home;
  private static ControlApi api;
  private static VaultHttp vault;

  @BeforeAll
  static void start() throws Exception {
    home = API.home();
    api = API.api();
    vault = new VaultHttp(api.port());
  }

  private static Path keyset() {
    return home.resolve(ApiServer.KEYSET);
  }

  @Test
  void keyStoredThroughTheApi_opensInTheJobsFreshJvm() throws Exception {
    String key = "AIza-" + UUID.randomUUID();
    var put = vault.putValue("gemini", key, "t-acme");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    String fingerprint = VaultHttp.json(put).get("fingerprint").asText();
    assertThat(keyset()).exists();

    Child child = runJobSide("ws-acme", "gemini");

    assertThat(child.exitCode()).as(child.output()).isZero();
    assertThat(child.output())
        .as("the job's key is the one the API stored")
        .contains("fingerprint=" + fingerprint + " sha256=" + Sha256.hex(key));
    assertThat(child.output()).doesNotContain(key);
  }

  private record Child(int exitCode, String output) {}

  /**
   * Runs {@link JobSideKeyMain} in a new JVM with this test's classpath; its output, stdout and
   * stderr.
   */
  private static Child runJobSide(String workspaceId, String secretName)
      throws IOException, InterruptedException {
    List<String> command =
        ChildJvm.command(
            home,
            "256m",
            JobSideKeyMain.class,
            KAFKA.bootstrapServers(),
            keyset().toString(),
            workspaceId,
            secretName);
    Path output = home.resolve("child-" + UUID.randomUUID() + ".out");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(
          "the job-side JVM did not exit in 2 minutes: " + Files.readString(output));
    }
    return new Child(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
  }
}
