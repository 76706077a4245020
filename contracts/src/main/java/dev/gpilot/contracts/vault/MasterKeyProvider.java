package dev.gpilot.contracts.vault;

/**
 * Loads the master key on first use and keeps it; a failed load is retried on the next call, so a KMS that was
 * briefly unreachable or a keyset the API creates later does not need a restart. Thread-safe.
 */
public final class MasterKeyProvider {
  private final VaultKeyOptions options;
  private final boolean createLocalKeyset;
  private volatile VaultMasterKey key;

  public MasterKeyProvider(VaultKeyOptions options, boolean createLocalKeyset) {
    this.options = options;
    this.createLocalKeyset = createLocalKeyset;
  }

  /** A provider of a key already at hand (tests, embedded use). */
  public static MasterKeyProvider of(VaultMasterKey key) {
    MasterKeyProvider provider = new MasterKeyProvider(VaultKeyOptions.kms(key.kek()), false);
    provider.key = key;
    return provider;
  }

  /**
   * @throws VaultException {@code MASTER_KEY_UNAVAILABLE} when the key cannot be loaded
   */
  public VaultMasterKey get() {
    VaultMasterKey k = key;
    if (k == null) {
      synchronized (this) {
        k = key;
        if (k == null) {
          k = VaultMasterKey.load(options, createLocalKeyset);
          key = k;
        }
      }
    }
    return k;
  }
}
