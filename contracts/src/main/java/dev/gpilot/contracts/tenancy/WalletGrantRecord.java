package dev.gpilot.contracts.tenancy;

/**
 * Prepaid credits for a workspace's wallet (SPEC.md section 11, "Wallets"): {@code amountMicros}
 * usable from {@code effectiveAt} until {@code expiresAt} (never, when null). Costs are drawn from
 * the grants in effect by {@code priority} (lower first), then the one expiring soonest. Once a
 * workspace has a grant, its wallet is a hard limit on what it spends.
 *
 * @param grantId 1–63 of {@code a-z 0-9 -}, unique in the workspace
 * @param priority lower is drawn first; 0–1000
 */
public record WalletGrantRecord(
    String workspaceId,
    String grantId,
    long amountMicros,
    long effectiveAt,
    Long expiresAt,
    int priority,
    String note,
    long createdAt,
    String createdBy,
    long revision)
    implements ControlPlaneRecord {
  public static final String TYPE = "wallet-grant";

  public WalletGrantRecord {
    ControlPlaneRecord.requireWorkspaceId(workspaceId);
    if (grantId == null || !BudgetRecord.ID.matcher(grantId).matches()) {
      throw new IllegalArgumentException(
          "grantId must be 1-63 of a-z 0-9 - starting with a letter or digit");
    }
    if (amountMicros <= 0) {
      throw new IllegalArgumentException("amountMicros must be > 0");
    }
    if (expiresAt != null && expiresAt <= effectiveAt) {
      throw new IllegalArgumentException("expiresAt must be after effectiveAt");
    }
    if (priority < 0 || priority > 1000) {
      throw new IllegalArgumentException("priority must be 0-1000");
    }
    ControlPlaneRecord.requireText(createdBy, "createdBy");
  }

  /** Whether the grant can be drawn from at {@code at} (epoch ms). */
  public boolean inEffect(long at) {
    return effectiveAt <= at && (expiresAt == null || at < expiresAt);
  }

  @Override
  public String key() {
    return "wallet-grant/" + workspaceId + "/" + grantId;
  }
}
