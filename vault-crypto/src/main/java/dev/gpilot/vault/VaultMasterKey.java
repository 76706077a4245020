package dev.gpilot.vault;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.KmsClients;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.gpilot.contracts.vault.VaultException;
import dev.gpilot.contracts.vault.VaultKeyOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master key (KEK) that wraps every workspace's keysets: an AEAD that never leaves the KMS in
 * production, or a local Tink keyset for development. Thread-safe.
 */
public final class VaultMasterKey {
  /**
   * The {@link #kek()} name of a local keyset file (the path is deliberately not recorded in
   * topics).
   */
  public static final String LOCAL_KEYSET = "local-keyset";

  private static final Logger LOG = LoggerFactory.getLogger(VaultMasterKey.class);
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  static {
    // Before any path parses a keyset or makes a primitive, in every process: the job only reads
    // the keyset the
    // API created, so registering on the create path alone left a separate job process
    // unregistered.
    VaultCrypto.ensureRegistered();
  }

  private final String kek;
  private final Aead aead;

  private VaultMasterKey(String kek, Aead aead) {
    this.kek = kek;
    this.aead = aead;
  }

  /** A master key from any AEAD (a KMS client's, a test's); {@code kek} names it in records. */
  public static VaultMasterKey of(String kek, Aead aead) {
    return new VaultMasterKey(
        Objects.requireNonNull(kek, "kek"), Objects.requireNonNull(aead, "aead"));
  }

  /**
   * The master key the options name.
   *
   * @param createLocalKeyset whether a missing local keyset file is created (the API) or is an
   *     error (the job, which must use the API's key)
   * @throws VaultException {@code MASTER_KEY_UNAVAILABLE} when it cannot be loaded
   */
  public static VaultMasterKey load(VaultKeyOptions options, boolean createLocalKeyset) {
    return options.kmsKeyUri() != null
        ? kms(options.kmsKeyUri())
        : localKeyset(Path.of(options.localKeyset()), createLocalKeyset);
  }

  /**
   * A KMS key through Tink's KMS integration: the client for the URI's scheme must have been
   * registered with {@link KmsClients#add} (e.g. {@code GcpKmsClient.register(Optional.of(uri),
   * Optional.empty())} from {@code tink-gcpkms}, or {@code AwsKmsClient.register(...)} from {@code
   * tink-awskms}).
   */
  public static VaultMasterKey kms(String keyUri) {
    try {
      return new VaultMasterKey(keyUri, KmsClients.get(keyUri).getAead(keyUri));
    } catch (GeneralSecurityException e) {
      throw new VaultException(
          VaultException.Reason.MASTER_KEY_UNAVAILABLE,
          "no KMS client for the master key URI "
              + keyUri
              + ": register one with Tink's KmsClients (tink-gcpkms, "
              + "tink-awskms) before starting, or set GPILOT_VAULT_MASTER_KEYSET for a local keyset",
          e);
    }
  }

  /**
   * A local Tink keyset file (AES-256-GCM), created with mode 0600 in a 0700 directory when missing
   * and {@code create} is set. Several processes may create it at once: exactly one file wins, all
   * use it.
   */
  public static VaultMasterKey localKeyset(Path file, boolean create) {
    try {
      if (!Files.exists(file)) {
        if (!create) {
          throw new VaultException(
              VaultException.Reason.MASTER_KEY_UNAVAILABLE,
              "the vault master keyset "
                  + file
                  + " does not exist (the API creates it on its first vault write; "
                  + "point GPILOT_VAULT_MASTER_KEYSET at the API's file)",
              null);
        }
        createLocalKeyset(file);
      }
      warnIfReadableByOthers(file);
      // Dangerous path, named on purpose: a cleartext keyset on disk is for development only
      // (SPEC.md §10).
      KeysetHandle handle =
          TinkJsonProtoKeysetFormat.parseKeyset(
              Files.readString(file, StandardCharsets.UTF_8), InsecureSecretKeyAccess.get());
      return new VaultMasterKey(
          LOCAL_KEYSET, handle.getPrimitive(RegistryConfiguration.get(), Aead.class));
    } catch (IOException | GeneralSecurityException e) {
      throw new VaultException(
          VaultException.Reason.MASTER_KEY_UNAVAILABLE,
          "cannot read the vault master keyset " + file + ": " + e.getClass().getSimpleName(),
          e);
    }
  }

  private static void createLocalKeyset(Path file) throws IOException, GeneralSecurityException {
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    String json =
        TinkJsonProtoKeysetFormat.serializeKeyset(
            KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM),
            InsecureSecretKeyAccess.get());
    Path tmp =
        Files.createTempFile(
            dir, ".master-keyset-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    try {
      Files.writeString(tmp, json, StandardCharsets.UTF_8);
      // A hard link appears whole or not at all and fails if another process created the file
      // first.
      Files.createLink(file, tmp);
      LOG.info(
          "created the vault master keyset {} (development only; use a KMS key in production)",
          file);
    } catch (FileAlreadyExistsException e) {
      LOG.info("the vault master keyset {} was created by another process; using it", file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void warnIfReadableByOthers(Path file) throws IOException {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (!OWNER_ONLY.containsAll(perms)) {
        LOG.warn(
            "the vault master keyset {} is readable by others ({}); chmod 600 it",
            file,
            PosixFilePermissions.toString(perms));
      }
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: nothing to check.
    }
  }

  /** Names this key in records: {@link #LOCAL_KEYSET} or the KMS key URI. */
  public String kek() {
    return kek;
  }

  Aead aead() {
    return aead;
  }
}
