package dev.gpilot.contracts.vault;

/**
 * The vault cannot do what was asked with the keys and ciphertexts it has. Messages name the
 * workspace, the secret and what is wrong, never a value or key material.
 */
public class VaultException extends RuntimeException {
  /** What went wrong. */
  public enum Reason {
    /**
     * A secret's ciphertext does not open: tampered, moved to another workspace or name, or its key
     * is gone.
     */
    SECRET_UNREADABLE,
    /** A workspace's keyset does not open under the master key: tampered, or another master key. */
    KEYSET_UNREADABLE,
    /**
     * The master key cannot be loaded or reached (missing keyset file, KMS unreachable or not
     * configured).
     */
    MASTER_KEY_UNAVAILABLE
  }

  private final Reason reason;

  public VaultException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
