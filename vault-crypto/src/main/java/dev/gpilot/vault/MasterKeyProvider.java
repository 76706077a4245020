package dev.gpilot.vault;

import dev.gpilot.contracts.vault.VaultException;
import dev.gpilot.contracts.vault.VaultKeyOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the master key on first use and keeps it; a failed load is retried on the next call, so a
 * KMS that was briefly unreachable or a keyset the API creates later does not need a restart. A
 * local keyset file that changes (a new primary added to rotate the master key) is loaded again on
 * the next call: the API that re-wraps a workspace under the new key and a job that loaded the file
 * earlier are separate processes. Thread-safe.
 */
public final class MasterKeyProvider {
  private static final Logger LOG = LoggerFactory.getLogger(MasterKeyProvider.class);

  /**
   * A loaded key and the version of the file it came from (null for a KMS key or a key given as
   * is).
   */
  private record Loaded(VaultMasterKey key, FileVersion version) {}

  /** Tells one content of a file from the next: replaced (inode), rewritten (time, size). */
  private record FileVersion(Object fileKey, FileTime modified, long size) {}

  private final VaultKeyOptions options;
  private final boolean createLocalKeyset;
  private volatile Loaded loaded;

  public MasterKeyProvider(VaultKeyOptions options, boolean createLocalKeyset) {
    this.options = options;
    this.createLocalKeyset = createLocalKeyset;
  }

  /** A provider of a key already at hand (tests, embedded use). */
  public static MasterKeyProvider of(VaultMasterKey key) {
    MasterKeyProvider provider = new MasterKeyProvider(VaultKeyOptions.kms(key.kek()), false);
    provider.loaded = new Loaded(key, null);
    return provider;
  }

  /**
   * @throws VaultException {@code MASTER_KEY_UNAVAILABLE} when the key cannot be loaded. When a key
   *     was loaded before and the keyset file then changed to something that does not load
   *     (half-written, say) or was removed, the earlier key is kept and the file is tried again on
   *     the next call.
   */
  public VaultMasterKey get() {
    Loaded held = loaded;
    if (held != null && Objects.equals(held.version(), fileVersion())) {
      return held.key();
    }
    synchronized (this) {
      held = loaded;
      FileVersion version = fileVersion();
      if (held != null && (version == null || version.equals(held.version()))) {
        // Unchanged, or removed while in use: never create a new master key under records wrapped
        // by this one.
        return held.key();
      }
      try {
        VaultMasterKey key = VaultMasterKey.load(options, createLocalKeyset);
        // Read before loading: a change while loading is picked up by the next call. A file this
        // load created
        // did not exist then.
        loaded = new Loaded(key, version != null ? version : fileVersion());
        if (held != null) {
          LOG.info("the vault master keyset {} changed; loaded it again", options.localKeyset());
        }
        return key;
      } catch (VaultException e) {
        if (held == null) {
          throw e;
        }
        LOG.warn(
            "the vault master keyset {} changed but does not load ({}); keeping the key loaded before",
            options.localKeyset(),
            e.getMessage());
        return held.key();
      }
    }
  }

  /**
   * The local keyset file's version; null for a KMS key, or when the file cannot be read (or does
   * not exist yet).
   */
  private FileVersion fileVersion() {
    if (options.kmsKeyUri() != null) {
      return null;
    }
    try {
      BasicFileAttributes a =
          Files.readAttributes(Path.of(options.localKeyset()), BasicFileAttributes.class);
      return new FileVersion(a.fileKey(), a.lastModifiedTime(), a.size());
    } catch (IOException e) {
      return null; // missing or unreadable: a first load says why; a key loaded before is kept
    }
  }
}
