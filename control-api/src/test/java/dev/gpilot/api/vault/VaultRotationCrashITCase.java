package dev.gpilot.api.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.testing.VaultResolvers;
import dev.gpilot.contracts.TopicAdmin;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A rotation that dies between its steps loses nothing: after a restart either the old key version
 * or the new one is wholly in force, every secret opens to its value, and the vault keeps working.
 */
class VaultRotationCrashITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();

  private static VaultOptions options;
  private static MasterKeyProvider master;
  private static VaultKeyResolver resolver;

  @BeforeAll
  static void start() throws Exception {
    TopicAdmin.ensureTopics(KAFKA.bootstrapServers());
    Path home = Files.createTempDirectory("vault-crash");
    options =
        VaultOptions.localKeyset(home.resolve("master.json").toString())
            .withRotationInterval(Duration.ZERO);
    master = MasterKeyProvider.of(VaultMasterKey.localKeyset(home.resolve("master.json"), true));
    resolver = VaultResolvers.onBroker(KAFKA.bootstrapServers(), master, null);
  }

  @AfterAll
  static void stop() {
    if (resolver != null) {
      resolver.close();
    }
  }

  private static Vault vault(VaultFaults faults) throws InterruptedException {
    return Vault.start(KAFKA.bootstrapServers(), options, master, faults, Clock.systemUTC());
  }

  @ParameterizedTest
  @EnumSource(VaultFaults.Point.class)
  void crashDuringRotation_leavesTheOldOrTheNewVersionWhollyInForce(VaultFaults.Point point)
      throws Exception {
    String ws = "ws-crash-" + point.name().toLowerCase().replace('_', '-');
    Principal alice = new Principal(ws, "alice");
    Map<String, String> values = new LinkedHashMap<>();
    try (Vault healthy = vault(VaultFaults.NONE)) {
      for (int i = 0; i < 10; i++) {
        String name = i == 0 ? "gemini" : "social.s" + i;
        values.put(name, "value-" + i + "-" + UUID.randomUUID());
        healthy
            .service()
            .put(alice, name, values.get(name).getBytes(StandardCharsets.UTF_8))
            .join();
      }
    }

    Vault crashing =
        vault(
            (p, workspaces) -> {
              if (p == point && workspaces.contains(ws)) {
                throw new VaultFaults.Crash(p.name());
              }
            });
    assertThatThrownBy(() -> crashing.service().rotate(alice).join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503));
    crashing.close();

    // A restart: a new instance reads the topic; its first write settles the dead writer's
    // transaction.
    int expected = point == VaultFaults.Point.AFTER_COMMIT ? 2 : 1;
    try (Vault restarted = vault(VaultFaults.NONE)) {
      VaultService.VaultView view = restarted.service().list(alice);
      assertThat(view.keyVersion()).isEqualTo(expected);
      assertThat(view.secrets())
          .hasSize(10)
          .allSatisfy(s -> assertThat(s.keyVersion()).isEqualTo(expected));
      assertThat(restarted.service().rotations(alice).rotations()).hasSize(expected - 1);
      assertEveryValueOpens(ws, values, expected);

      VaultService.RotationResult next = restarted.service().rotate(alice).join();
      assertThat(next.newVersion()).isEqualTo(expected + 1);
      assertThat(restarted.service().list(alice).secrets())
          .allSatisfy(s -> assertThat(s.keyVersion()).isEqualTo(expected + 1));
      assertEveryValueOpens(ws, values, expected + 1);
    }
  }

  private static void assertEveryValueOpens(String ws, Map<String, String> values, int version)
      throws Exception {
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              for (Map.Entry<String, String> e : values.entrySet()) {
                ResolvedKey key = resolver.keyFor(KeyRequest.of(ws, e.getKey()));
                assertThat(key.keyVersion()).isEqualTo(version);
                assertThat(key.revealForUse()).isEqualTo(e.getValue());
              }
            });
  }
}
