package dev.gpilot.api.vault;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gpilot.contracts.vault.VaultRecord;
import dev.gpilot.vault.MasterKeyProvider;
import dev.gpilot.vault.WorkspaceKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Opened workspace keys, cached by the exact wrapped keysets they came from (so a rotation, which
 * wraps new ones, can never be served a stale entry). Saves a master-key (KMS) call per write. Keys
 * live in memory only, for at most 10 minutes after their last use. Thread-safe.
 */
final class VaultKeyring {
  private final MasterKeyProvider master;
  private final Cache<String, WorkspaceKeys> cache =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterAccess(Duration.ofMinutes(10)).build();

  VaultKeyring(MasterKeyProvider master) {
    this.master = master;
  }

  /**
   * @throws dev.gpilot.contracts.vault.VaultException when the keysets do not open or the master
   *     key is unavailable
   */
  WorkspaceKeys keysOf(VaultRecord record) {
    return cache.get(cacheKey(record), k -> WorkspaceKeys.unwrap(master.get(), record));
  }

  void remember(VaultRecord record, WorkspaceKeys keys) {
    cache.put(cacheKey(record), keys);
  }

  private static String cacheKey(VaultRecord record) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(record.workspaceId().getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(record.dataKeyset().getBytes(StandardCharsets.US_ASCII));
      sha.update((byte) 0);
      sha.update(record.fingerprintKeyset().getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
