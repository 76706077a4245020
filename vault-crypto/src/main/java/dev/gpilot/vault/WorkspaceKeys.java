package dev.gpilot.vault;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.prf.PredefinedPrfParameters;
import com.google.crypto.tink.prf.PrfSet;
import dev.gpilot.contracts.vault.VaultException;
import dev.gpilot.contracts.vault.VaultRecord;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * One workspace's keys, opened: the data keyset (AES-256-GCM AEAD; the primary seals, every key in
 * the set opens) and the fingerprint keyset (HMAC-SHA256 PRF). This is the envelope: secrets are
 * sealed under the data keyset with (workspaceId, name) as associated data, and both keysets are
 * stored only encrypted under the master key, bound to the workspace. Instances are immutable and
 * thread-safe; they hold key material, so keep them in memory only.
 */
public final class WorkspaceKeys {
  private static final int FINGERPRINT_BYTES = 8;

  static {
    // Every way to an instance (generate, unwrap) and every primitive it makes needs Tink's AEAD
    // and PRF.
    VaultCrypto.ensureRegistered();
  }

  private final KeysetHandle data;
  private final KeysetHandle fingerprints;
  private final Aead aead;
  private final PrfSet prf;
  private final int keyVersion;
  private final List<VaultRecord.KeyInfo> keys;

  private WorkspaceKeys(
      KeysetHandle data, KeysetHandle fingerprints, int keyVersion, List<VaultRecord.KeyInfo> keys)
      throws GeneralSecurityException {
    this.data = data;
    this.fingerprints = fingerprints;
    this.aead = data.getPrimitive(RegistryConfiguration.get(), Aead.class);
    this.prf = fingerprints.getPrimitive(RegistryConfiguration.get(), PrfSet.class);
    this.keyVersion = keyVersion;
    this.keys = List.copyOf(keys);
  }

  /** New keys for a workspace: key version 1. */
  public static WorkspaceKeys generate(long now) {
    try {
      KeysetHandle data = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
      KeysetHandle fingerprints = KeysetHandle.generateNew(PredefinedPrfParameters.HMAC_SHA256_PRF);
      return new WorkspaceKeys(
          data,
          fingerprints,
          1,
          List.of(new VaultRecord.KeyInfo(data.getPrimary().getId(), 1, true, now)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Tink cannot generate AES-256-GCM / HMAC keys", e);
    }
  }

  /**
   * Opens a record's keysets with the master key.
   *
   * @throws VaultException {@code KEYSET_UNREADABLE} when they do not open (another master key,
   *     another workspace's keyset, tampered bytes)
   */
  public static WorkspaceKeys unwrap(VaultMasterKey master, VaultRecord record) {
    String ws = record.workspaceId();
    try {
      KeysetHandle data =
          TinkProtoKeysetFormat.parseEncryptedKeyset(
              Base64.getDecoder().decode(record.dataKeyset()), master.aead(), keysetAd(ws, "data"));
      KeysetHandle fingerprints =
          TinkProtoKeysetFormat.parseEncryptedKeyset(
              Base64.getDecoder().decode(record.fingerprintKeyset()),
              master.aead(),
              keysetAd(ws, "fingerprint"));
      return new WorkspaceKeys(data, fingerprints, record.keyVersion(), record.keys());
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new VaultException(
          VaultException.Reason.KEYSET_UNREADABLE,
          "the keyset of workspace '"
              + ws
              + "' does not open under master key "
              + record.kek()
              + " (revision "
              + record.revision()
              + "): another master key, or tampered",
          e);
    }
  }

  /** The keysets encrypted under the master key, bound to the workspace, base64. */
  public record Wrapped(String kek, String dataKeyset, String fingerprintKeyset) {}

  public Wrapped wrap(VaultMasterKey master, String workspaceId) {
    try {
      return new Wrapped(
          master.kek(),
          Base64.getEncoder()
              .encodeToString(
                  TinkProtoKeysetFormat.serializeEncryptedKeyset(
                      data, master.aead(), keysetAd(workspaceId, "data"))),
          Base64.getEncoder()
              .encodeToString(
                  TinkProtoKeysetFormat.serializeEncryptedKeyset(
                      fingerprints, master.aead(), keysetAd(workspaceId, "fingerprint"))));
    } catch (GeneralSecurityException e) {
      throw new VaultException(
          VaultException.Reason.MASTER_KEY_UNAVAILABLE,
          "the master key "
              + master.kek()
              + " could not wrap the keyset of workspace '"
              + workspaceId
              + "'",
          e);
    }
  }

  /**
   * The same keys plus a new AES-256-GCM primary key, version + 1. The previous keys stay in the
   * set (they still open what they sealed) until {@link #retainOnly} drops them.
   */
  public WorkspaceKeys rotate(long now) {
    try {
      KeysetHandle.Builder builder = KeysetHandle.newBuilder(data);
      builder.addEntry(
          KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM)
              .withRandomId()
              .makePrimary());
      KeysetHandle next = builder.build();
      int version = keyVersion + 1;
      List<VaultRecord.KeyInfo> infos = new ArrayList<>();
      infos.add(new VaultRecord.KeyInfo(next.getPrimary().getId(), version, true, now));
      for (VaultRecord.KeyInfo k : keys) {
        infos.add(new VaultRecord.KeyInfo(k.keyId(), k.version(), false, k.createdAt()));
      }
      return new WorkspaceKeys(next, fingerprints, version, infos);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Tink cannot add a key to the data keyset", e);
    }
  }

  /**
   * The same keys without the non-primary ones not in {@code inUse}: old keys go once nothing uses
   * them.
   */
  public WorkspaceKeys retainOnly(Set<Integer> inUse) {
    try {
      KeysetHandle.Builder builder = KeysetHandle.newBuilder();
      List<VaultRecord.KeyInfo> infos = new ArrayList<>();
      for (int i = 0; i < data.size(); i++) {
        KeysetHandle.Entry entry = data.getAt(i);
        if (entry.isPrimary() || inUse.contains(entry.getId())) {
          KeysetHandle.Builder.Entry copy =
              KeysetHandle.importKey(entry.getKey()).setStatus(KeyStatus.ENABLED);
          builder.addEntry(entry.isPrimary() ? copy.makePrimary() : copy);
        }
      }
      for (VaultRecord.KeyInfo k : keys) {
        if (k.primary() || inUse.contains(k.keyId())) {
          infos.add(k);
        }
      }
      return new WorkspaceKeys(builder.build(), fingerprints, keyVersion, infos);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Tink cannot rebuild the data keyset", e);
    }
  }

  public int keyVersion() {
    return keyVersion;
  }

  public int primaryKeyId() {
    return data.getPrimary().getId();
  }

  /** The data keyset's keys, the primary first. */
  public List<VaultRecord.KeyInfo> keys() {
    return keys;
  }

  /** Seals {@code value} under the primary key, bound to (workspaceId, name). */
  public byte[] seal(String workspaceId, String name, byte[] value) {
    try {
      return aead.encrypt(value, secretAd(workspaceId, name));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  /**
   * Opens a secret sealed for (workspaceId, name).
   *
   * @throws VaultException {@code SECRET_UNREADABLE} when it does not open: tampered, sealed for
   *     another workspace or name, or its key is no longer in the set
   */
  public byte[] open(String workspaceId, String name, byte[] ciphertext) {
    try {
      return aead.decrypt(ciphertext, secretAd(workspaceId, name));
    } catch (GeneralSecurityException e) {
      throw new VaultException(
          VaultException.Reason.SECRET_UNREADABLE,
          "secret '"
              + name
              + "' of workspace '"
              + workspaceId
              + "' does not open: its ciphertext was altered, moved "
              + "from another workspace or name, or sealed under a key this keyset no longer has",
          e);
    }
  }

  /** {@link #open(String, String, byte[])} of a record's sealed secret. */
  public byte[] open(String workspaceId, VaultRecord.SealedSecret secret) {
    byte[] ciphertext;
    try {
      ciphertext = Base64.getDecoder().decode(secret.ciphertext());
    } catch (IllegalArgumentException e) {
      throw new VaultException(
          VaultException.Reason.SECRET_UNREADABLE,
          "secret '"
              + secret.name()
              + "' of workspace '"
              + workspaceId
              + "' does not open: not base64",
          e);
    }
    return open(workspaceId, secret.name(), ciphertext);
  }

  /**
   * A short keyed fingerprint of a value under this name: the first 8 bytes of HMAC-SHA256 under
   * the workspace's fingerprint key, in hex. Without that key nobody can compute or test it, so it
   * does not confirm a guessed value (a plain hash of a low-entropy secret would); the name is part
   * of the input, so storing a guess under another name does not reveal whether it equals a stored
   * secret. The fingerprint key is not rotated with the data keys: a value keeps its fingerprint
   * across rotations.
   */
  public String fingerprint(String workspaceId, String name, byte[] value) {
    byte[] input = VaultCrypto.encode(value, VaultCrypto.FINGERPRINT_INPUT, workspaceId, name);
    try {
      return HexFormat.of().formatHex(prf.computePrimary(input, FINGERPRINT_BYTES));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 failed", e);
    } finally {
      Arrays.fill(input, (byte) 0);
    }
  }

  private static byte[] secretAd(String workspaceId, String name) {
    return VaultCrypto.encode(VaultCrypto.SECRET_AD, workspaceId, name);
  }

  private static byte[] keysetAd(String workspaceId, String which) {
    return VaultCrypto.encode(VaultCrypto.KEYSET_AD, workspaceId, which);
  }

  @Override
  public String toString() {
    return "WorkspaceKeys{version=" + keyVersion + ", keys=" + keys.size() + "}";
  }
}
