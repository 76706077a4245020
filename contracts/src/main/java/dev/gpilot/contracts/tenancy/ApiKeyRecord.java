package dev.gpilot.contracts.tenancy;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.regex.Pattern;

/**
 * An API key of a workspace. It holds the key's keyed hash, never the key: {@code hash} is the hex
 * HMAC-SHA256 of the whole key under the deployment's key-hash secret (which is never on a topic),
 * so the topic alone does not let anyone check a guess.
 *
 * @param keyId public id, {@code k_} and 16 hex digits; also inside the key itself
 * @param role never above the role of the caller that created it
 * @param hash lowercase hex HMAC-SHA256 (64 digits)
 * @param expiresAt epoch milliseconds after which the key is refused; null for never
 * @param revokedAt epoch milliseconds from which the key is refused; null while in force
 * @param revokedBy who revoked it; null while in force
 */
public record ApiKeyRecord(
    String workspaceId,
    String keyId,
    String name,
    Role role,
    String hash,
    long createdAt,
    String createdBy,
    Long expiresAt,
    Long revokedAt,
    String revokedBy,
    long revision)
    implements ControlPlaneRecord {
  public static final String TYPE = "api-key";
  public static final Pattern KEY_ID = Pattern.compile("^k_[0-9a-f]{16}$");
  private static final Pattern HASH = Pattern.compile("^[0-9a-f]{64}$");

  public ApiKeyRecord {
    ControlPlaneRecord.requireWorkspaceId(workspaceId);
    if (keyId == null || !KEY_ID.matcher(keyId).matches()) {
      throw new IllegalArgumentException("keyId must be k_ and 16 hex digits");
    }
    ControlPlaneRecord.requireText(name, "name");
    if (role == null) {
      throw new IllegalArgumentException("role is required");
    }
    if (hash == null || !HASH.matcher(hash).matches()) {
      throw new IllegalArgumentException("hash must be 64 lowercase hex digits");
    }
    ControlPlaneRecord.requireText(createdBy, "createdBy");
  }

  @Override
  public String key() {
    return "api-key/" + workspaceId + "/" + keyId;
  }

  /** Whether the key is refused at {@code now} (epoch ms): revoked, or expired. */
  @JsonIgnore
  public boolean refusedAt(long now) {
    return revokedAt != null && revokedAt <= now || expiresAt != null && expiresAt <= now;
  }

  public ApiKeyRecord revoked(long at, String by) {
    return new ApiKeyRecord(
        workspaceId,
        keyId,
        name,
        role,
        hash,
        createdAt,
        createdBy,
        expiresAt,
        at,
        by,
        revision + 1);
  }
}
