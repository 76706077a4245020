package dev.gpilot.vault;

import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.prf.PrfConfig;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/** Tink registration and the associated-data encodings the vault's ciphertexts are bound to. */
final class VaultCrypto {
  static final String SECRET_AD = "gpilot.vault.secret.v1";
  static final String KEYSET_AD = "gpilot.vault.keyset.v1";
  static final String FINGERPRINT_INPUT = "gpilot.vault.fingerprint.v1";

  static {
    try {
      AeadConfig.register();
      PrfConfig.register();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private VaultCrypto() {}

  /**
   * Makes sure Tink's AEAD and PRF key managers are registered in this JVM (idempotent). Calling it
   * initializes this class, whose static initializer registers them once. {@link VaultMasterKey}
   * and {@link WorkspaceKeys} call it when they are initialized, so nothing can parse a keyset or
   * make a primitive before it.
   */
  static void ensureRegistered() {}

  /**
   * An unambiguous encoding of the parts: each as a 4-byte big-endian length and its UTF-8 bytes,
   * so that ("ab", "c") and ("a", "bc") never bind the same ciphertext.
   */
  static byte[] encode(String... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String part : parts) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
      out.writeBytes(bytes);
    }
    return out.toByteArray();
  }

  /**
   * The encoding of {@link #encode} with raw bytes (a secret's value) as the last part. The result
   * is the only copy of {@code last} it makes, written in place (a growing stream would leave
   * copies no one zeroes): the caller zeroes it after use.
   */
  static byte[] encode(byte[] last, String... parts) {
    byte[] head = encode(parts);
    return ByteBuffer.allocate(head.length + 4 + last.length)
        .put(head)
        .putInt(last.length)
        .put(last)
        .array();
  }
}
