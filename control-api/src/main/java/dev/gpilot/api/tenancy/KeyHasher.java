package dev.gpilot.api.tenancy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keyed hash API keys are stored as: HMAC-SHA256 of the whole key under the deployment's
 * key-hash secret.
 *
 * <p>The secret is 32 random bytes (base64) in a file, by default {@code
 * $GPILOT_HOME/auth/key-hash-secret} beside the vault's master keyset, mode {@code 0600} in a
 * {@code 0700} directory; never on a topic, in ClickHouse or in a log. Every API instance of a
 * deployment must read the same file (or a copy). It is created on the first key creation,
 * atomically (a temporary file moved into place without replacing), so instances that start
 * together agree on one secret; until then no key exists and every {@code gp_} token is unknown.
 * Losing the file makes every API key unusable (they must be created again); the topic alone does
 * not let anyone check a guessed key.
 */
public final class KeyHasher {
  private static final int SECRET_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path file;
  private volatile SecretKeySpec secret;

  public KeyHasher(Path file) {
    this.file = file;
  }

  /**
   * The key's hash, or null when no secret exists yet (then no key can exist either).
   *
   * @throws UncheckedIOException when the file exists but cannot be read
   */
  public String hashIfKnown(String key) {
    SecretKeySpec s = load(false);
    return s == null ? null : hmac(s, key);
  }

  /** The key's hash, creating the secret when there is none yet. */
  public String hash(String key) {
    return hmac(load(true), key);
  }

  private static String hmac(SecretKeySpec secret, String key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(secret);
      return HexFormat.of().formatHex(mac.doFinal(key.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has HmacSHA256", e);
    }
  }

  private SecretKeySpec load(boolean create) {
    SecretKeySpec s = secret;
    if (s != null) {
      return s;
    }
    synchronized (this) {
      if (secret != null) {
        return secret;
      }
      try {
        if (!Files.exists(file)) {
          if (!create) {
            return null;
          }
          createAtomically();
        }
        byte[] bytes =
            Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
        if (bytes.length < SECRET_BYTES) {
          throw new IllegalStateException(
              "the key-hash secret " + file + " is shorter than 32 bytes");
        }
        secret = new SecretKeySpec(bytes, "HmacSHA256");
        return secret;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read or create the key-hash secret " + file, e);
      }
    }
  }

  private void createAtomically() throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(
        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    byte[] bytes = new byte[SECRET_BYTES];
    RANDOM.nextBytes(bytes);
    Path tmp =
        Files.createTempFile(
            dir,
            ".key-hash-secret",
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(
          tmp, Base64.getEncoder().encodeToString(bytes) + "\n", StandardCharsets.US_ASCII);
      try {
        // A hard link fails if the file exists: the first creator wins, the others read its secret.
        Files.createLink(file, tmp);
      } catch (FileAlreadyExistsException e) {
        // another instance created it first
      } catch (UnsupportedOperationException e) {
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException ignored) {
          Files.move(tmp, file);
        }
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
