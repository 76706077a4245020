package dev.gpilot.jobs.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.contracts.vault.VaultException;
import dev.gpilot.contracts.vault.VaultRecord;
import dev.gpilot.vault.MasterKeyProvider;
import dev.gpilot.vault.VaultChanges;
import dev.gpilot.vault.VaultMasterKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a step gets its API key: the workspace's own secret, decrypted for the one call and audited,
 * else the deployment's key. Real sealing (Tink, a local master keyset); the vault topic replaced
 * by records the test holds.
 */
class VaultKeyResolverTest {
  private static final String KEY = "AIza-workspace-key-0001";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-05T02:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;
  private VaultMasterKey master;
  private final Map<String, VaultRecord> records = new ConcurrentHashMap<>();
  private final List<AuditEvent> audited = new CopyOnWriteArrayList<>();
  private final AtomicBoolean released = new AtomicBoolean();
  private final AtomicBoolean auditClosed = new AtomicBoolean();
  private volatile boolean caughtUp = true;

  @BeforeEach
  void vault() {
    master = VaultMasterKey.localKeyset(dir.resolve("master-keyset.json"), true);
    records.put(
        "ws-a",
        VaultChanges.set(master, null, null, "ws-a", "gemini", bytes(KEY), "alice", 1_000)
            .record());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private VaultKeyResolver resolver(MasterKeyProvider masterKey, String deploymentKey) {
    VaultKeyResolver.Records reader =
        new VaultKeyResolver.Records() {
          @Override
          public Optional<VaultRecord> record(String workspaceId) {
            return Optional.ofNullable(records.get(workspaceId));
          }

          @Override
          public boolean awaitCaughtUp(Duration timeout) {
            return caughtUp;
          }
        };
    AuditSink audit =
        new AuditSink() {
          @Override
          public void emit(AuditEvent event) {
            audited.add(event);
          }

          @Override
          public void close() {
            auditClosed.set(true);
          }
        };
    return new VaultKeyResolver(
        reader, () -> released.set(true), masterKey, deploymentKey, audit, CLOCK);
  }

  private VaultKeyResolver resolver(String deploymentKey) {
    return resolver(MasterKeyProvider.of(master), deploymentKey);
  }

  @Test
  void aWorkspacesOwnSecret_isDecryptedForTheCall_andTheDecryptIsAuditedWithoutTheKey() {
    VaultRecord record = records.get("ws-a");

    ResolvedKey key =
        resolver("deployment-key").keyFor(new KeyRequest("ws-a", "gemini", "m1", "s1", 2));

    assertThat(key.revealForUse()).isEqualTo(KEY);
    assertThat(key.source()).isEqualTo(ResolvedKey.Source.WORKSPACE);
    assertThat(key.keyVersion()).isEqualTo(1);
    assertThat(key.fingerprint()).isEqualTo(record.secret("gemini").orElseThrow().fingerprint());
    assertThat(audited)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.action()).isEqualTo(AuditEvent.SECRET_DECRYPT);
              assertThat(e.outcome()).isEqualTo(AuditEvent.OK);
              assertThat(e.actor()).isEqualTo(VaultKeyResolver.ACTOR);
              assertThat(e.workspaceId()).isEqualTo("ws-a");
              assertThat(e.secretName()).isEqualTo("gemini");
              assertThat(e.revision()).isEqualTo(record.revision());
              assertThat(e.missionId()).isEqualTo("m1");
              assertThat(e.stepId()).isEqualTo("s1");
              assertThat(e.attempt()).isEqualTo(2);
              assertThat(e.ts()).isEqualTo(CLOCK.millis());
              assertThat(
                      new String(JsonCodec.of(AuditEvent.class).encode(e), StandardCharsets.UTF_8))
                  .doesNotContain(KEY);
            });
  }

  @Test
  void aWorkspaceWithoutTheSecret_getsTheDeploymentKey_notAudited_andWithoutOneItIsAClearError() {
    ResolvedKey fallback = resolver("deployment-key").keyFor(KeyRequest.of("ws-b", "gemini"));

    assertThat(fallback.source()).isEqualTo(ResolvedKey.Source.DEPLOYMENT);
    assertThat(fallback.revealForUse()).isEqualTo("deployment-key");
    assertThat(fallback.keyVersion()).isZero();
    assertThat(resolver("deployment-key").keyFor(KeyRequest.of("ws-a", "shopify")).source())
        .as("the workspace has a vault, but not this secret")
        .isEqualTo(ResolvedKey.Source.DEPLOYMENT);
    assertThat(audited).isEmpty();
    for (String none : new String[] {null, " "}) {
      assertThatThrownBy(() -> resolver(none).keyFor(KeyRequest.of("ws-b", "gemini")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("workspace 'ws-b' has no 'gemini' secret")
          .hasMessageContaining("no deployment key");
    }
  }

  @Test
  void aSecretThatDoesNotOpen_failsTheCall_andTheFailureIsAudited() {
    VaultMasterKey other = VaultMasterKey.localKeyset(dir.resolve("other-keyset.json"), true);

    assertThatThrownBy(
            () ->
                resolver(MasterKeyProvider.of(other), "deployment-key")
                    .keyFor(KeyRequest.of("ws-a", "gemini")))
        .isInstanceOf(VaultException.class);
    assertThat(audited)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.outcome()).isEqualTo(AuditEvent.FAILED);
              assertThat(e.reason()).isNotBlank();
            });
  }

  @Test
  void aNewValueOrRotatedKeys_reachTheNextCall() {
    VaultKeyResolver resolver = resolver("deployment-key");
    assertThat(resolver.keyFor(KeyRequest.of("ws-a", "gemini")).revealForUse()).isEqualTo(KEY);

    VaultRecord rotated =
        VaultChanges.rotate(master, records.get("ws-a"), null, "alice", 2_000).record();
    records.put(
        "ws-a",
        VaultChanges.set(master, rotated, null, "ws-a", "gemini", bytes("AIza-new"), "alice", 3_000)
            .record());

    ResolvedKey key = resolver.keyFor(KeyRequest.of("ws-a", "gemini"));
    assertThat(key.revealForUse()).isEqualTo("AIza-new");
    assertThat(key.keyVersion()).isEqualTo(2);
  }

  @Test
  void untilTheReaderHasCaughtUp_noKeyIsGuessed() {
    caughtUp = false;

    assertThatThrownBy(() -> resolver("deployment-key").keyFor(KeyRequest.of("ws-b", "gemini")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("has not caught up");
  }

  @Test
  void close_releasesTheReaderAndTheAuditSink() {
    resolver("deployment-key").close();

    assertThat(released).isTrue();
    assertThat(auditClosed).isTrue();
  }
}
