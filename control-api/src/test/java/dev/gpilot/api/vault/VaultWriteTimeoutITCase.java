package dev.gpilot.api.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.testing.VaultResolvers;
import dev.gpilot.contracts.Sha256;
import dev.gpilot.contracts.TopicAdmin;
import dev.gpilot.contracts.vault.VaultKeyOptions;
import dev.gpilot.jobs.vault.KeyRequest;
import dev.gpilot.jobs.vault.ResolvedKey;
import dev.gpilot.jobs.vault.VaultKeyResolver;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.vault.MasterKeyProvider;
import dev.gpilot.vault.VaultMasterKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A write the API answered with 503 ("it may still land") does land later: what lands is exactly
 * what was sent, never the request's buffer after it was wiped.
 */
class VaultWriteTimeoutITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();

  private static final Duration WRITE_TIMEOUT = Duration.ofMillis(500);

  private static VaultOptions options;
  private static MasterKeyProvider master;
  private static VaultKeyResolver resolver;

  @BeforeAll
  static void start() throws Exception {
    TopicAdmin.ensureTopics(KAFKA.bootstrapServers());
    Path keyset = Files.createTempDirectory("vault-timeout").resolve("master.json");
    options =
        new VaultOptions(
            VaultKeyOptions.localKeyset(keyset.toString()),
            "gpilot-vault-writer",
            1000,
            4096,
            Duration.ZERO,
            WRITE_TIMEOUT);
    master = MasterKeyProvider.of(VaultMasterKey.localKeyset(keyset, true));
    resolver = VaultResolvers.onBroker(KAFKA.bootstrapServers(), master, null);
  }

  @AfterAll
  static void stop() {
    if (resolver != null) {
      resolver.close();
    }
  }

  @Test
  void putThatTimesOut_landsLaterWithTheValueSent_notAWipedBuffer() throws Exception {
    String ws = "ws-slow";
    Principal alice = new Principal(ws, "alice");
    String value = "AIza-slow-" + UUID.randomUUID();
    // The writer stalls before sealing this workspace's change until the caller has had its 503.
    CountDownLatch answered = new CountDownLatch(1);
    VaultFaults stallUntilAnswered =
        (point, workspaces) -> {
          if (point == VaultFaults.Point.BEFORE_COMPUTE && workspaces.contains(ws)) {
            try {
              answered.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };

    try (Vault vault =
        Vault.start(
            KAFKA.bootstrapServers(), options, master, stallUntilAnswered, Clock.systemUTC())) {
      CompletableFuture<VaultService.Written> put =
          vault.service().put(alice, "gemini", value.getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(put::join)
          .cause()
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.getMessage()).contains("it may still land");
              });
      answered.countDown();

      // It lands after all; the job opens it to the value that was sent.
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(vault.service().list(alice).secrets()).hasSize(1));
      String fingerprint = vault.service().get(alice, "gemini").fingerprint();
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                ResolvedKey key = resolver.keyFor(KeyRequest.of(ws, "gemini"));
                assertThat(key.fingerprint()).isEqualTo(fingerprint);
                // Digests, so a failure prints no value; a wiped buffer would be all zeros.
                assertThat(Sha256.hex(key.revealForUse()))
                    .as(
                        "digest of the stored value (a wiped buffer's is %s)",
                        Sha256.hex("\0".repeat(value.length())))
                    .isEqualTo(Sha256.hex(value));
              });
    }
  }
}
