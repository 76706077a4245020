package dev.gpilot.vault;

import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.contracts.vault.SecretNames;
import dev.gpilot.contracts.vault.VaultException;
import dev.gpilot.contracts.vault.VaultRecord;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The vault's changes as pure functions from one {@link VaultRecord} to the next: set a secret,
 * delete one, rotate the keys. Each returns the whole next record (revision + 1) with its audit
 * event; nothing is written here, so a change that fails half-way leaves nothing behind.
 */
public final class VaultChanges {
  private VaultChanges() {}

  /**
   * A computed change.
   *
   * @param record the workspace's next record
   * @param keys the keys it is sealed under (for the caller's cache)
   * @param audit the audit event to write with it
   */
  public record Result(VaultRecord record, WorkspaceKeys keys, AuditEvent audit) {}

  /**
   * Seals {@code value} as secret {@code name}, replacing an earlier value (its createdAt is kept).
   * Creates the workspace's keys on its first secret.
   *
   * @param current the workspace's record, null if it has none yet
   * @param keys {@code current}'s keys opened, null to open them here (or when {@code current} is
   *     null)
   */
  public static Result set(
      VaultMasterKey master,
      VaultRecord current,
      WorkspaceKeys keys,
      String workspaceId,
      String name,
      byte[] value,
      String by,
      long now) {
    SecretNames.require(name);
    WorkspaceKeys k = keysOf(master, current, keys, now);
    VaultRecord.SealedSecret earlier = current == null ? null : current.secret(name).orElse(null);
    VaultRecord.SealedSecret sealed =
        new VaultRecord.SealedSecret(
            name,
            Base64.getEncoder().encodeToString(k.seal(workspaceId, name, value)),
            k.primaryKeyId(),
            k.keyVersion(),
            k.fingerprint(workspaceId, name, value),
            earlier == null ? now : earlier.createdAt(),
            earlier == null ? by : earlier.createdBy(),
            now,
            by);
    List<VaultRecord.SealedSecret> secrets = new ArrayList<>();
    if (current != null) {
      current.secrets().stream().filter(s -> !s.name().equals(name)).forEach(secrets::add);
    }
    secrets.add(sealed);
    VaultRecord next =
        next(
            wrappedOf(master, current, k, workspaceId),
            current,
            k,
            workspaceId,
            secrets,
            current == null ? List.of() : current.rotations(),
            new VaultRecord.Change(AuditEvent.SECRET_SET, name, by, now),
            now);
    return new Result(
        next, k, audit(next, AuditEvent.SECRET_SET, by, name, sealed.fingerprint(), now));
  }

  /**
   * Removes secret {@code name}.
   *
   * @return the change, or null when the workspace has no such secret
   */
  public static Result delete(
      VaultMasterKey master,
      VaultRecord current,
      WorkspaceKeys keys,
      String workspaceId,
      String name,
      String by,
      long now) {
    if (current == null || current.secret(name).isEmpty()) {
      return null;
    }
    WorkspaceKeys k = keysOf(master, current, keys, now);
    List<VaultRecord.SealedSecret> secrets =
        current.secrets().stream().filter(s -> !s.name().equals(name)).toList();
    // A key that sealed only the deleted secret is no longer needed.
    WorkspaceKeys retained = k.retainOnly(keyIdsOf(secrets));
    WorkspaceKeys.Wrapped wrapped =
        retained.keys().size() == k.keys().size()
            ? wrappedOf(master, current, k, workspaceId)
            : retained.wrap(master, workspaceId);
    k = retained;
    VaultRecord next =
        next(
            wrapped,
            current,
            k,
            workspaceId,
            secrets,
            current.rotations(),
            new VaultRecord.Change(AuditEvent.SECRET_DELETE, name, by, now),
            now);
    return new Result(next, k, audit(next, AuditEvent.SECRET_DELETE, by, name, null, now));
  }

  /**
   * Rotates the workspace's data keys: a new primary key, every secret opened and sealed again
   * under it, the old keys dropped once no secret uses them (none does after this), the keyset
   * re-wrapped under the master key's current primary, version + 1 and a history entry. All of it
   * lands in one record, so either the old or the new version is in force, never a mix.
   *
   * @throws VaultException {@code SECRET_UNREADABLE} when a secret does not open (nothing is
   *     changed then)
   */
  public static Result rotate(
      VaultMasterKey master, VaultRecord current, WorkspaceKeys keys, String by, long now) {
    Objects.requireNonNull(current, "a workspace without a vault has nothing to rotate");
    String ws = current.workspaceId();
    WorkspaceKeys old = keysOf(master, current, keys, now);
    WorkspaceKeys rotated = old.rotate(now);
    List<VaultRecord.SealedSecret> secrets = new ArrayList<>(current.secrets().size());
    for (VaultRecord.SealedSecret s : current.secrets()) {
      byte[] value = old.open(ws, s);
      try {
        secrets.add(
            new VaultRecord.SealedSecret(
                s.name(),
                Base64.getEncoder().encodeToString(rotated.seal(ws, s.name(), value)),
                rotated.primaryKeyId(),
                rotated.keyVersion(),
                s.fingerprint(),
                s.createdAt(),
                s.createdBy(),
                s.updatedAt(),
                s.updatedBy()));
      } finally {
        java.util.Arrays.fill(value, (byte) 0);
      }
    }
    rotated = rotated.retainOnly(keyIdsOf(secrets));
    List<VaultRecord.Rotation> history = new ArrayList<>(current.rotations());
    history.add(new VaultRecord.Rotation(rotated.keyVersion(), now, by));
    VaultRecord next =
        next(
            rotated.wrap(master, ws),
            current,
            rotated,
            ws,
            secrets,
            history,
            new VaultRecord.Change(AuditEvent.KEYS_ROTATE, null, by, now),
            now);
    return new Result(next, rotated, audit(next, AuditEvent.KEYS_ROTATE, by, null, null, now));
  }

  private static WorkspaceKeys keysOf(
      VaultMasterKey master, VaultRecord current, WorkspaceKeys keys, long now) {
    if (keys != null) {
      return keys;
    }
    return current == null ? WorkspaceKeys.generate(now) : WorkspaceKeys.unwrap(master, current);
  }

  private static Set<Integer> keyIdsOf(List<VaultRecord.SealedSecret> secrets) {
    Set<Integer> ids = new HashSet<>();
    secrets.forEach(s -> ids.add(s.keyId()));
    return ids;
  }

  /**
   * The keysets as wrapped in {@code current} when they did not change (no KMS call), else wrapped
   * anew.
   */
  private static WorkspaceKeys.Wrapped wrappedOf(
      VaultMasterKey master, VaultRecord current, WorkspaceKeys keys, String workspaceId) {
    return current == null
        ? keys.wrap(master, workspaceId)
        : new WorkspaceKeys.Wrapped(
            current.kek(), current.dataKeyset(), current.fingerprintKeyset());
  }

  private static VaultRecord next(
      WorkspaceKeys.Wrapped wrapped,
      VaultRecord current,
      WorkspaceKeys keys,
      String workspaceId,
      List<VaultRecord.SealedSecret> secrets,
      List<VaultRecord.Rotation> rotations,
      VaultRecord.Change change,
      long now) {
    return new VaultRecord(
        UUID.randomUUID().toString(),
        workspaceId,
        current == null ? 1 : current.revision() + 1,
        now,
        keys.keyVersion(),
        wrapped.kek(),
        wrapped.dataKeyset(),
        wrapped.fingerprintKeyset(),
        keys.keys(),
        secrets,
        rotations,
        change);
  }

  private static AuditEvent audit(
      VaultRecord next, String action, String by, String name, String fingerprint, long now) {
    return AuditEvent.api(
        UUID.randomUUID().toString(),
        next.workspaceId(),
        now,
        action,
        by,
        name,
        next.keyVersion(),
        next.revision(),
        fingerprint);
  }
}
