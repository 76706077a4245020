package dev.gpilot.contracts.vault;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.gpilot.contracts.json.Envelope;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A workspace's whole vault: the record on the compacted topic {@code gpilot.vault.v1}, keyed by
 * workspaceId. One record holds everything (wrapped keysets, every sealed secret, the rotation
 * history), so any change, a rotation included, replaces the workspace's vault atomically: a reader
 * sees the old record or the new one, never a mix.
 *
 * <p>It holds no plaintext: secrets are Tink AEAD ciphertexts under the workspace's data keyset,
 * and the keysets are themselves encrypted by the master key (the KEK, named by {@link #kek}).
 *
 * @param id this write's unique id (a writer whose commit outcome is unknown finds out by looking
 *     for it)
 * @param revision 1 for the first record of a workspace, +1 for each committed change: readers keep
 *     the highest
 * @param ts when this revision was written, epoch milliseconds
 * @param keyVersion the data keyset's version: 1 when created, +1 per rotation
 * @param kek which master key wraps the keysets: {@code local-keyset} or a KMS key URI (no secret)
 * @param dataKeyset the AEAD keyset (AES-256-GCM), Tink binary format encrypted under the KEK,
 *     base64
 * @param fingerprintKeyset the HMAC-SHA256 PRF keyset for fingerprints, encrypted under the KEK,
 *     base64
 * @param keys the data keyset's keys (ids and versions), the primary first
 * @param secrets the sealed secrets, by name
 * @param rotations the rotation history, oldest first
 * @param change what produced this revision
 */
@JsonPropertyOrder({"type", "version", "id", "workspaceId", "revision", "ts", "keyVersion"})
public record VaultRecord(
    String id,
    String workspaceId,
    long revision,
    long ts,
    int keyVersion,
    String kek,
    String dataKeyset,
    String fingerprintKeyset,
    List<KeyInfo> keys,
    List<SealedSecret> secrets,
    List<Rotation> rotations,
    Change change)
    implements Envelope {

  public static final String TYPE = "vault.workspace";

  public VaultRecord {
    requireText(id, "id");
    requireText(workspaceId, "workspaceId");
    requireText(kek, "kek");
    requireText(dataKeyset, "dataKeyset");
    requireText(fingerprintKeyset, "fingerprintKeyset");
    if (revision < 1) {
      throw new IllegalArgumentException("revision must be >= 1, got " + revision);
    }
    if (keyVersion < 1) {
      throw new IllegalArgumentException("keyVersion must be >= 1, got " + keyVersion);
    }
    keys = List.copyOf(Objects.requireNonNull(keys, "keys is required"));
    secrets = secrets == null ? List.of() : List.copyOf(secrets);
    rotations = rotations == null ? List.of() : List.copyOf(rotations);
    Objects.requireNonNull(change, "change is required");
    if (keys.isEmpty() || !keys.get(0).primary()) {
      throw new IllegalArgumentException("keys must start with the primary key");
    }
    Set<String> names = new HashSet<>();
    for (SealedSecret s : secrets) {
      if (!names.add(s.name())) {
        throw new IllegalArgumentException("secret '" + s.name() + "' appears twice");
      }
    }
  }

  @Override
  public String type() {
    return TYPE;
  }

  public Optional<SealedSecret> secret(String name) {
    return secrets.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** The last rotation, if the keys were ever rotated. */
  @JsonIgnore
  public Optional<Rotation> lastRotation() {
    return rotations.isEmpty()
        ? Optional.empty()
        : Optional.of(rotations.get(rotations.size() - 1));
  }

  /**
   * One sealed secret.
   *
   * @param ciphertext Tink AEAD ciphertext (its 5-byte prefix names the key), base64; associated
   *     data binds it to (workspaceId, name)
   * @param keyId the Tink key id that sealed it
   * @param keyVersion the keyset version it was sealed under
   * @param fingerprint a short keyed fingerprint of (name, value): HMAC-SHA256 under the
   *     workspace's fingerprint key, first 8 bytes in hex; tells versions of a value apart without
   *     revealing or confirming it
   */
  public record SealedSecret(
      String name,
      String ciphertext,
      int keyId,
      int keyVersion,
      String fingerprint,
      long createdAt,
      String createdBy,
      long updatedAt,
      String updatedBy) {

    public SealedSecret {
      SecretNames.require(name);
      requireText(ciphertext, "ciphertext");
      requireText(fingerprint, "fingerprint");
    }
  }

  /** A key of the data keyset. {@code version} is the keyset version that made it primary. */
  public record KeyInfo(int keyId, int version, boolean primary, long createdAt) {}

  /** One rotation: the version it created, when, by whom. */
  public record Rotation(int version, long rotatedAt, String rotatedBy) {
    public Rotation {
      requireText(rotatedBy, "rotatedBy");
    }
  }

  /**
   * What produced a revision.
   *
   * @param action one of {@link AuditEvent}'s vault actions
   * @param name the secret, for set and delete
   */
  public record Change(String action, String name, String by, long at) {
    public Change {
      requireText(action, "action");
      requireText(by, "by");
    }
  }

  static void requireText(String value, String name) {
    Objects.requireNonNull(value, name + " is required");
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }
}
