package dev.gpilot.api.vault;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.vault.SecretNames;
import dev.gpilot.contracts.vault.VaultRecord;
import dev.gpilot.vault.MasterKeyProvider;
import dev.gpilot.vault.VaultChanges;
import dev.gpilot.vault.WorkspaceKeys;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Workspace secrets: set, delete, list, rotate, always within the caller's workspace. Writes
 * complete once durable in Kafka and applied locally (see {@link VaultWriter}); reads answer from
 * the local {@link VaultStore}. No method returns or logs a secret's value.
 */
public final class VaultService {
  private final VaultStore store;
  private final VaultWriter writer;
  private final VaultKeyring keyring;
  private final MasterKeyProvider master;
  private final VaultOptions options;
  private final Clock clock;

  VaultService(
      VaultStore store,
      VaultWriter writer,
      VaultKeyring keyring,
      MasterKeyProvider master,
      VaultOptions options,
      Clock clock) {
    this.store = store;
    this.writer = writer;
    this.keyring = keyring;
    this.master = master;
    this.options = options;
    this.clock = clock;
  }

  /** A secret's metadata: never its value. */
  public record SecretView(
      String name,
      int keyVersion,
      String fingerprint,
      long createdAt,
      String createdBy,
      long updatedAt,
      String updatedBy) {
    static SecretView of(VaultRecord.SealedSecret s) {
      return new SecretView(
          s.name(),
          s.keyVersion(),
          s.fingerprint(),
          s.createdAt(),
          s.createdBy(),
          s.updatedAt(),
          s.updatedBy());
    }
  }

  /** The answer to a PUT: the secret's metadata and whether it is new. */
  public record Written(SecretView secret, boolean created) {}

  /**
   * {@code GET /api/v1/vault}. {@code keyVersion} 0 and no secrets for a workspace without a vault.
   */
  public record VaultView(
      String workspaceId,
      int keyVersion,
      long revision,
      Long updatedAt,
      Long lastRotatedAt,
      List<SecretView> secrets) {}

  /** {@code POST /api/v1/vault/rotate}. */
  public record RotationResult(boolean success, int newVersion, long rotatedAt) {}

  /** {@code GET /api/v1/vault/rotations}, oldest first. */
  public record RotationsView(
      String workspaceId, int keyVersion, List<VaultRecord.Rotation> rotations) {}

  /**
   * Seals and stores a secret; {@code value} is zeroed once the write is over.
   *
   * @throws ApiException 400 for an invalid name; the future fails with 422 when the workspace is
   *     full, 503 when Kafka or the master key is unavailable
   */
  public CompletableFuture<Written> put(Principal caller, String name, byte[] value) {
    requireName(name);
    String ws = caller.workspaceId();
    CompletableFuture<Written> written =
        writer.submit(
            ws,
            current -> {
              boolean created = current == null || current.secret(name).isEmpty();
              if (created && current != null && current.secrets().size() >= options.maxSecrets()) {
                throw ApiException.unprocessable(
                    "too-many-secrets",
                    "this workspace holds "
                        + options.maxSecrets()
                        + " secrets, the most it may; delete one first");
              }
              // The limits (count × value size) keep a workspace's record under the topic's 8 MiB
              // message size.
              WorkspaceKeys keys = current == null ? null : keyring.keysOf(current);
              VaultChanges.Result r =
                  VaultChanges.set(
                      master.get(),
                      current,
                      keys,
                      ws,
                      name,
                      value,
                      caller.subject(),
                      clock.millis());
              return new VaultWriter.Computed<>(
                  r.record(),
                  r.keys(),
                  List.of(r.audit()),
                  new Written(SecretView.of(r.record().secret(name).orElseThrow()), created));
            });
    // The value is wiped when the writer is done with the change, never earlier: it may seal it
    // after the caller
    // had its 503 (see timed), and what lands must be what was sent.
    written.whenComplete((ok, error) -> Arrays.fill(value, (byte) 0));
    return timed(written);
  }

  /**
   * @throws ApiException 400 for an invalid name; the future fails with 404 when the workspace has
   *     no such secret
   */
  public CompletableFuture<Void> delete(Principal caller, String name) {
    requireName(name);
    String ws = caller.workspaceId();
    return timed(
        writer.<Void>submit(
            ws,
            current -> {
              VaultChanges.Result r =
                  current == null || current.secret(name).isEmpty()
                      ? null
                      : VaultChanges.delete(
                          master.get(),
                          current,
                          keyring.keysOf(current),
                          ws,
                          name,
                          caller.subject(),
                          clock.millis());
              if (r == null) {
                throw notFound(name);
              }
              return new VaultWriter.Computed<>(r.record(), r.keys(), List.of(r.audit()), null);
            }));
  }

  /**
   * Rotates the workspace's data keys (see {@link VaultChanges#rotate}).
   *
   * @return fails with 409 when the workspace has no vault, 429 (with Retry-After) within the
   *     rotation interval of the last rotation, 409 {@code secret-unreadable} when a stored secret
   *     does not open
   */
  public CompletableFuture<RotationResult> rotate(Principal caller) {
    String ws = caller.workspaceId();
    return timed(
        writer.submit(
            ws,
            current -> {
              if (current == null) {
                throw ApiException.conflict(
                    "no-vault", "this workspace has no vault yet: set a secret first");
              }
              long now = clock.millis();
              Optional<VaultRecord.Rotation> last = current.lastRotation();
              if (last.isPresent()) {
                long waitMs = last.get().rotatedAt() + options.rotationInterval().toMillis() - now;
                if (waitMs > 0) {
                  throw ApiException.tooManyRequests(
                      "the keys of this workspace were rotated at "
                          + last.get().rotatedAt()
                          + " (version "
                          + last.get().version()
                          + "); rotations are at most once per "
                          + options.rotationInterval().toMinutes()
                          + " minutes",
                      (waitMs + 999) / 1000);
                }
              }
              VaultChanges.Result r =
                  VaultChanges.rotate(
                      master.get(), current, keyring.keysOf(current), caller.subject(), now);
              return new VaultWriter.Computed<>(
                  r.record(),
                  r.keys(),
                  List.of(r.audit()),
                  new RotationResult(true, r.record().keyVersion(), now));
            }));
  }

  public VaultView list(Principal caller) {
    String ws = caller.workspaceId();
    return store
        .get(ws)
        .map(
            r ->
                new VaultView(
                    ws,
                    r.keyVersion(),
                    r.revision(),
                    r.ts(),
                    r.lastRotation().map(VaultRecord.Rotation::rotatedAt).orElse(null),
                    r.secrets().stream()
                        .map(SecretView::of)
                        .sorted(java.util.Comparator.comparing(SecretView::name))
                        .toList()))
        .orElse(new VaultView(ws, 0, 0, null, null, List.of()));
  }

  /**
   * @throws ApiException 400 for an invalid name, 404 when the caller's workspace has no such
   *     secret
   */
  public SecretView get(Principal caller, String name) {
    requireName(name);
    return store
        .get(caller.workspaceId())
        .flatMap(r -> r.secret(name))
        .map(SecretView::of)
        .orElseThrow(() -> notFound(name));
  }

  public RotationsView rotations(Principal caller) {
    String ws = caller.workspaceId();
    return store
        .get(ws)
        .map(r -> new RotationsView(ws, r.keyVersion(), r.rotations()))
        .orElse(new RotationsView(ws, 0, List.of()));
  }

  /**
   * The write's answer, or 503 after the write timeout. The timeout (and anything else the caller
   * does to the answer, such as cancelling it) acts on a copy: completing the writer's own future
   * would tell it and {@link #put} that the change is over while the writer may still seal and
   * commit it ("it may still land").
   */
  private <T> CompletableFuture<T> timed(CompletableFuture<T> write) {
    return write
        .copy()
        .orTimeout(options.writeTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .exceptionally(
            error -> {
              Throwable cause =
                  error instanceof CompletionException && error.getCause() != null
                      ? error.getCause()
                      : error;
              if (cause instanceof TimeoutException) {
                throw ApiException.unavailable(
                    "the vault write did not complete in "
                        + options.writeTimeout().toSeconds()
                        + " s; it may still land: check GET /api/v1/vault, then retry");
              }
              if (cause instanceof RuntimeException re) {
                throw re;
              }
              throw new CompletionException(cause);
            });
  }

  static void requireName(String name) {
    if (!SecretNames.isValid(name)) {
      throw ApiException.badRequest(
          "invalid secret name: a secret name is 'gemini', 'shopify', 'reddit' or "
              + "'social.<name>' (<name>: 1-63 of a-z 0-9 - _, starting with a letter or digit)");
    }
  }

  private static ApiException notFound(String name) {
    return ApiException.notFound("no secret '" + name + "' in this workspace");
  }
}
