package dev.gpilot.contracts.tenancy;

/**
 * When an API key was last used, coalesced: each API instance writes it at most once per flush
 * interval per key (not once per request), apart from the key's record so a usage write never races
 * a revocation.
 *
 * @param lastUsedAt epoch milliseconds; readers keep the highest
 * @param revision equal to {@code lastUsedAt}, so "keep the highest revision" keeps the latest use
 */
public record KeyUsageRecord(String workspaceId, String keyId, long lastUsedAt, long revision)
    implements ControlPlaneRecord {
  public static final String TYPE = "key-usage";

  public KeyUsageRecord {
    ControlPlaneRecord.requireWorkspaceId(workspaceId);
    ControlPlaneRecord.requireText(keyId, "keyId");
  }

  public static KeyUsageRecord of(String workspaceId, String keyId, long lastUsedAt) {
    return new KeyUsageRecord(workspaceId, keyId, lastUsedAt, lastUsedAt);
  }

  @Override
  public String key() {
    return "key-usage/" + workspaceId + "/" + keyId;
  }
}
