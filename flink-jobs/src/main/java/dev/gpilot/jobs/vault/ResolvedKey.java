package dev.gpilot.jobs.vault;

/**
 * An API key for one call, and where it came from. The key is reached only through {@link
 * #revealForUse()}, a name that is easy to search for; {@link #toString()} never shows it.
 */
public final class ResolvedKey {
  /** Where the key came from. */
  public enum Source {
    /** The workspace's own secret, decrypted from the vault. */
    WORKSPACE,
    /** The deployment's key: the workspace has none. */
    DEPLOYMENT
  }

  private final String secretName;
  private final Source source;
  private final int keyVersion;
  private final String fingerprint;
  private final String value;

  ResolvedKey(String secretName, Source source, int keyVersion, String fingerprint, String value) {
    this.secretName = secretName;
    this.source = source;
    this.keyVersion = keyVersion;
    this.fingerprint = fingerprint;
    this.value = value;
  }

  public String secretName() {
    return secretName;
  }

  public Source source() {
    return source;
  }

  /** The workspace's key version the secret was sealed under; 0 for the deployment key. */
  public int keyVersion() {
    return keyVersion;
  }

  /**
   * The secret's keyed fingerprint (as {@code GET /api/v1/vault} shows it); null for the deployment
   * key.
   */
  public String fingerprint() {
    return fingerprint;
  }

  /**
   * The key itself, to hand to the one call that needs it. Never log it, store it or put it in an
   * event.
   */
  public String revealForUse() {
    return value;
  }

  @Override
  public String toString() {
    return "ResolvedKey{"
        + secretName
        + ", "
        + source
        + ", version "
        + keyVersion
        + ", fingerprint "
        + fingerprint
        + "}";
  }
}
