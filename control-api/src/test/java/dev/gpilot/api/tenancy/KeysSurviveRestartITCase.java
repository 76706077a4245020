package dev.gpilot.api.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.vault.VaultOptions;
import dev.gpilot.contracts.Sha256;
import dev.gpilot.testing.ChildJvm;
import dev.gpilot.testing.KafkaTestBroker;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keys, revocations and workspaces live in Kafka, not in an instance: created through one API, they
 * hold in a fresh API process started as {@code ./gpilot up} starts it (its configuration from the
 * environment, the key-hash secret found under {@code $GPILOT_HOME}), and what that process creates
 * holds in the next in-process API.
 */
class KeysSurviveRestartITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  private static final String FILE_TOKEN = "file-owner-" + Long.toHexString(System.nanoTime());

  @Test
  void keysAndRevocations_surviveRestarts_acrossProcesses() throws Exception {
    Path home = Files.createTempDirectory("keys-restart");
    Path tokensFile = home.resolve("api-tokens");
    Files.writeString(tokensFile, Sha256.hex(FILE_TOKEN) + " ws-acme alice\n");
    TenancyOptions tenancy = TenancyOptions.of(home.resolve("auth/key-hash-secret"));
    VaultOptions vault =
        VaultOptions.localKeyset(home.resolve("vault/master-keyset.json").toString());
    ApiOptions options =
        new ApiOptions("127.0.0.1", 0, KAFKA.bootstrapServers(), tokensFile, 10_000, 2);

    String viewerKey;
    String memberKey;
    String secondOwnerKey;
    try (ControlApi api =
        new ControlApi(options, TokenAuthenticator.fromFile(tokensFile), vault, tenancy).start()) {
      ApiClient http = new ApiClient(api.port(), null);
      viewerKey =
          http.ok("POST", "/api/v1/keys", FILE_TOKEN, "{\"name\":\"v\",\"role\":\"viewer\"}", 201)
              .get("key")
              .asText();
      JsonNode member =
          http.ok("POST", "/api/v1/keys", FILE_TOKEN, "{\"name\":\"m\",\"role\":\"member\"}", 201);
      memberKey = member.get("key").asText();
      http.ok("DELETE", "/api/v1/keys/" + member.get("keyId").asText(), FILE_TOKEN, null, 204);
      secondOwnerKey =
          http.ok("POST", "/api/v1/workspaces", FILE_TOKEN, "{\"name\":\"Acme Two\"}", 201)
              .get("ownerKey")
              .get("key")
              .asText();
    }

    String createdByChild;
    int port = freePort();
    Process child = startApiProcess(home, tokensFile, port);
    try {
      ApiClient http = new ApiClient(port, null);
      awaitHealthy(http, child, home);
      assertThat(http.call("GET", "/api/v1/agents", viewerKey, null).status()).isEqualTo(200);
      assertThat(http.call("POST", "/api/v1/missions", viewerKey, "{\"mission\":\"no\"}").status())
          .isEqualTo(403);
      assertThat(http.call("GET", "/api/v1/agents", memberKey, null).status())
          .as("revoked before the restart")
          .isEqualTo(401);
      JsonNode keys = http.ok("GET", "/api/v1/keys", secondOwnerKey, null, 200);
      assertThat(keys.get("workspaceId").asText()).isEqualTo("acme-two");
      createdByChild =
          http.ok(
                  "POST",
                  "/api/v1/keys",
                  secondOwnerKey,
                  "{\"name\":\"c\",\"role\":\"admin\"}",
                  201)
              .get("key")
              .asText();
      List<String> workspaces =
          StreamSupport.stream(
                  http.ok("GET", "/api/v1/workspaces", FILE_TOKEN, null, 200)
                      .get("workspaces")
                      .spliterator(),
                  false)
              .map(w -> w.get("workspaceId").asText())
              .toList();
      assertThat(workspaces).containsExactly("acme-two", "ws-acme");
    } finally {
      child.destroy(); // SIGTERM: the API's shutdown hook closes it
      if (!child.waitFor(1, TimeUnit.MINUTES)) {
        child.destroyForcibly();
      }
    }

    try (ControlApi api =
        new ControlApi(options, TokenAuthenticator.fromFile(tokensFile), vault, tenancy).start()) {
      ApiClient http = new ApiClient(api.port(), null);
      assertThat(http.call("GET", "/api/v1/keys", createdByChild, null).status()).isEqualTo(200);
      assertThat(http.call("GET", "/api/v1/agents", viewerKey, null).status()).isEqualTo(200);
      assertThat(http.call("GET", "/api/v1/agents", memberKey, null).status()).isEqualTo(401);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static Process startApiProcess(Path home, Path tokensFile, int port) throws IOException {
    List<String> command = ChildJvm.command(home, "384m", ControlApi.class);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(home.resolve("api.out").toFile());
    Map<String, String> env = builder.environment();
    env.remove("CLICKHOUSE_URL");
    env.put("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers());
    env.put("GPILOT_HOME", home.toString());
    env.put("GPILOT_TOKENS_FILE", tokensFile.toString());
    env.put("GPILOT_API_PORT", String.valueOf(port));
    return builder.start();
  }

  private static void awaitHealthy(ApiClient http, Process child, Path home) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      if (!child.isAlive()) {
        throw new AssertionError(
            "the API process exited: " + Files.readString(home.resolve("api.out")));
      }
      try {
        if (http.call("GET", "/health", null, null).status() == 200) {
          return;
        }
      } catch (IOException notYetListening) {
        // starting
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "the API process did not become healthy: " + Files.readString(home.resolve("api.out")));
  }
}
