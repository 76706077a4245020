package dev.gpilot.contracts.tenancy;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.regex.Pattern;

/**
 * An invitation of a person (email) to a workspace with a role. Its accept token is shown once, to
 * whoever invited; the record holds only the token's keyed hash (as for API keys). Single use:
 * accepting sets {@code acceptedAt}.
 *
 * @param invitationId public id, {@code i_} and 16 hex digits
 * @param tokenHash lowercase hex HMAC-SHA256 of the accept token under the deployment's key-hash
 *     secret
 * @param expiresAt epoch milliseconds after which it cannot be accepted
 * @param acceptedAt when it was accepted; null until then
 */
public record InvitationRecord(
    String workspaceId,
    String invitationId,
    String email,
    Role role,
    String tokenHash,
    long expiresAt,
    long createdAt,
    String createdBy,
    Long acceptedAt,
    long revision)
    implements ControlPlaneRecord {
  public static final String TYPE = "invitation";
  public static final Pattern INVITATION_ID = Pattern.compile("^i_[0-9a-f]{16}$");
  private static final Pattern HASH = Pattern.compile("^[0-9a-f]{64}$");

  public InvitationRecord {
    ControlPlaneRecord.requireWorkspaceId(workspaceId);
    if (invitationId == null || !INVITATION_ID.matcher(invitationId).matches()) {
      throw new IllegalArgumentException("invitationId must be i_ and 16 hex digits");
    }
    email = MemberRecord.normalizeEmail(email);
    if (role == null) {
      throw new IllegalArgumentException("role is required");
    }
    if (tokenHash == null || !HASH.matcher(tokenHash).matches()) {
      throw new IllegalArgumentException("tokenHash must be 64 lowercase hex digits");
    }
    ControlPlaneRecord.requireText(createdBy, "createdBy");
  }

  @Override
  public String key() {
    return "invitation/" + workspaceId + "/" + invitationId;
  }

  /** Whether it can still be accepted at {@code now}. */
  @JsonIgnore
  public boolean openAt(long now) {
    return acceptedAt == null && now < expiresAt;
  }

  public InvitationRecord accepted(long at) {
    return new InvitationRecord(
        workspaceId,
        invitationId,
        email,
        role,
        tokenHash,
        expiresAt,
        createdAt,
        createdBy,
        at,
        revision + 1);
  }
}
