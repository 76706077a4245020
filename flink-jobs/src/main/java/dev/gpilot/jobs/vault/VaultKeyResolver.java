package dev.gpilot.jobs.vault;

import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.contracts.vault.VaultException;
import dev.gpilot.contracts.vault.VaultRecord;
import dev.gpilot.vault.MasterKeyProvider;
import dev.gpilot.vault.WorkspaceKeys;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The job's {@link ProviderKeyResolver} over the vault: reads the workspace's sealed record from
 * the {@link VaultReader}, decrypts the named secret in memory for this one call, and audits the
 * decrypt; a workspace without that secret gets the deployment key. Opened keysets are cached per
 * workspace and revision of its keysets (never the secrets' plaintext), so a call costs one AES-GCM
 * decrypt. Thread-safe.
 */
public final class VaultKeyResolver implements ProviderKeyResolver {
  static final String ACTOR = "mission-job";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Records reader;
  private final Runnable release;
  private final MasterKeyProvider master;
  private final String deploymentKey;
  private final AuditSink audit;
  private final Clock clock;
  private final ConcurrentHashMap<String, Opened> opened = new ConcurrentHashMap<>();
  private volatile boolean ready;

  private record Opened(String dataKeyset, String fingerprintKeyset, WorkspaceKeys keys) {}

  /** Where the sealed records are read from: the {@link VaultReader} in production. */
  interface Records {
    /** The workspace's newest record, if it has a vault. */
    Optional<VaultRecord> record(String workspaceId);

    /** Waits until every record committed when reading started has been read. */
    boolean awaitCaughtUp(Duration timeout) throws InterruptedException;
  }

  /**
   * @param deploymentKey the key for workspaces without their own, null if there is none
   * @param ownsReader whether {@link #close()} releases {@code reader}
   */
  public VaultKeyResolver(
      VaultReader reader,
      boolean ownsReader,
      MasterKeyProvider master,
      String deploymentKey,
      AuditSink audit,
      Clock clock) {
    this(
        new Records() {
          @Override
          public Optional<VaultRecord> record(String workspaceId) {
            return reader.record(workspaceId);
          }

          @Override
          public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
            return reader.awaitCaughtUp(timeout);
          }
        },
        ownsReader ? () -> VaultReader.release(reader) : () -> {},
        master,
        deploymentKey,
        audit,
        clock);
  }

  /**
   * @param release what {@link #close()} does with {@code reader} once the resolver is done with it
   */
  VaultKeyResolver(
      Records reader,
      Runnable release,
      MasterKeyProvider master,
      String deploymentKey,
      AuditSink audit,
      Clock clock) {
    this.reader = reader;
    this.release = release;
    this.master = master;
    this.deploymentKey = deploymentKey == null || deploymentKey.isBlank() ? null : deploymentKey;
    this.audit = audit;
    this.clock = clock;
  }

  @Override
  public ResolvedKey keyFor(KeyRequest request) {
    awaitReady();
    String ws = request.workspaceId();
    Optional<VaultRecord> record = reader.record(ws);
    Optional<VaultRecord.SealedSecret> secret = record.flatMap(r -> r.secret(request.secretName()));
    if (secret.isEmpty()) {
      if (deploymentKey == null) {
        throw new IllegalStateException(
            "workspace '"
                + ws
                + "' has no '"
                + request.secretName()
                + "' secret in the vault and no deployment key is configured");
      }
      return new ResolvedKey(
          request.secretName(), ResolvedKey.Source.DEPLOYMENT, 0, null, deploymentKey);
    }
    VaultRecord r = record.get();
    VaultRecord.SealedSecret s = secret.get();
    byte[] value = null;
    try {
      value = keysOf(r).open(ws, s);
      ResolvedKey key =
          new ResolvedKey(
              s.name(),
              ResolvedKey.Source.WORKSPACE,
              s.keyVersion(),
              s.fingerprint(),
              new String(value, StandardCharsets.UTF_8));
      audit.emit(event(request, r, s, AuditEvent.OK, null));
      return key;
    } catch (VaultException e) {
      audit.emit(event(request, r, s, AuditEvent.FAILED, e.reason().name()));
      throw e;
    } finally {
      if (value != null) {
        Arrays.fill(value, (byte) 0);
      }
    }
  }

  private WorkspaceKeys keysOf(VaultRecord r) {
    Opened held = opened.get(r.workspaceId());
    if (held != null
        && held.dataKeyset().equals(r.dataKeyset())
        && held.fingerprintKeyset().equals(r.fingerprintKeyset())) {
      return held.keys();
    }
    WorkspaceKeys keys = WorkspaceKeys.unwrap(master.get(), r);
    opened.put(r.workspaceId(), new Opened(r.dataKeyset(), r.fingerprintKeyset(), keys));
    return keys;
  }

  private AuditEvent event(
      KeyRequest request,
      VaultRecord r,
      VaultRecord.SealedSecret s,
      String outcome,
      String reason) {
    return new AuditEvent(
        UUID.randomUUID().toString(),
        r.workspaceId(),
        clock.millis(),
        AuditEvent.SECRET_DECRYPT,
        ACTOR,
        "job",
        s.name(),
        s.keyVersion(),
        r.revision(),
        s.fingerprint(),
        outcome,
        reason,
        request.missionId(),
        request.stepId(),
        request.attempt());
  }

  /**
   * Until the reader has read the topic to its end, "no secret" could be wrong: wait rather than
   * fall back.
   */
  private void awaitReady() {
    if (ready) {
      return;
    }
    try {
      if (!reader.awaitCaughtUp(READY_TIMEOUT)) {
        throw new IllegalStateException(
            "the vault reader has not caught up with Kafka in "
                + READY_TIMEOUT.toSeconds()
                + " s; cannot tell which key to use");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the vault reader", e);
    }
    ready = true;
  }

  @Override
  public void close() {
    opened.clear();
    audit.close();
    release.run();
  }
}
