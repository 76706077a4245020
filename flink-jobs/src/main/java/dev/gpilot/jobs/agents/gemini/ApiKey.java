package dev.gpilot.jobs.agents.gemini;

import dev.gpilot.contracts.Sha256;
import java.io.Serializable;
import java.util.Objects;

/**
 * A Gemini API key. Its {@link #toString()} never shows it; the plaintext is reached only through
 * {@link #revealForProviderCall()}, which only the code that builds the SDK client calls.
 */
public final class ApiKey implements Serializable {
  private static final long serialVersionUID = 1L;
  private final String secret;

  private ApiKey(String secret) {
    this.secret = secret;
  }

  /**
   * @throws IllegalArgumentException when blank
   */
  public static ApiKey of(String secret) {
    Objects.requireNonNull(secret, "key");
    if (secret.isBlank()) {
      throw new IllegalArgumentException("an API key cannot be blank");
    }
    return new ApiKey(secret.strip());
  }

  /** The key itself, for the provider's client and nothing else: never log or return it. */
  public String revealForProviderCall() {
    return secret;
  }

  /** A short SHA-256 fingerprint (12 hex digits): safe to log, enough to tell keys apart. */
  public String fingerprint() {
    return Sha256.hex(secret).substring(0, 12);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApiKey other && other.secret.equals(secret);
  }

  @Override
  public int hashCode() {
    return secret.hashCode();
  }

  @Override
  public String toString() {
    return "ApiKey[" + fingerprint() + "]";
  }
}
