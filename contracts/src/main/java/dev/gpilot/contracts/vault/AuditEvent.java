package dev.gpilot.contracts.vault;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.gpilot.contracts.json.Envelope;
import java.util.Objects;
import java.util.Set;

/**
 * Who did what to which secret, when, under which key version: the record on {@code
 * gpilot.audit.v1}, keyed by workspaceId, and a row of ClickHouse's {@code audit_events}. It never
 * holds a secret's value; the fingerprint is keyed and reveals nothing about it.
 *
 * @param id unique, stable event id (a re-sent event keeps it, so ClickHouse collapses duplicates)
 * @param ts when it happened, epoch milliseconds
 * @param action {@link #SECRET_SET}, {@link #SECRET_DELETE}, {@link #KEYS_ROTATE} or {@link
 *     #SECRET_DECRYPT}
 * @param actor who: the token subject for the API, {@code mission-job} for the job
 * @param source {@code api} or {@code job}
 * @param secretName the secret concerned, null for rotations
 * @param keyVersion the workspace key version in force after the action (the one used, for
 *     decrypts)
 * @param revision the vault revision written (API actions) or read (decrypts)
 * @param fingerprint the secret's fingerprint after a set, or of the secret decrypted; may be null
 * @param outcome {@code ok} or {@code failed}
 * @param reason why it failed, without any value; null when ok
 * @param missionId for decrypts: the mission whose step used the secret; else null
 * @param stepId for decrypts: the step; else null
 * @param attempt for decrypts: the attempt; else 0
 * @param target for workspace, key, member and invitation changes: what changed ({@code
 *     workspace:<id>}, {@code key:<keyId>}, {@code member:<email>}, {@code invitation:<id>
 *     member:<email>}) and, after a space, the role given ({@code role=admin}) when there is one;
 *     else null
 */
@JsonPropertyOrder({"type", "version", "id", "workspaceId", "ts", "action", "actor"})
public record AuditEvent(
    String id,
    String workspaceId,
    long ts,
    String action,
    String actor,
    String source,
    String secretName,
    int keyVersion,
    long revision,
    String fingerprint,
    String outcome,
    String reason,
    String missionId,
    String stepId,
    int attempt,
    String target)
    implements Envelope {

  public static final String TYPE = "audit.event";
  public static final String SECRET_SET = "vault.secret.set";
  public static final String SECRET_DELETE = "vault.secret.delete";
  public static final String KEYS_ROTATE = "vault.keys.rotate";
  public static final String SECRET_DECRYPT = "vault.secret.decrypt";
  public static final String WORKSPACE_CREATE = "workspace.create";
  public static final String KEY_CREATE = "key.create";
  public static final String KEY_REVOKE = "key.revoke";
  public static final String MEMBER_ADD = "member.add";
  public static final String INVITATION_CREATE = "invitation.create";
  public static final String INVITATION_ACCEPT = "invitation.accept";
  public static final String BUDGET_SET = "budget.set";
  public static final String BUDGET_DELETE = "budget.delete";

  /**
   * From the job: a budget crossed 80 % or 100 % of its period's limit (once per period and
   * threshold).
   */
  public static final String BUDGET_ALERT = "budget.alert";

  public static final String WALLET_GRANT = "wallet.grant";
  public static final String MEMBER_REMOVE = "member.remove";
  public static final String OWNERSHIP_TRANSFER = "ownership.transfer";
  public static final String WORKSPACE_DELETE = "workspace.delete";
  public static final String OK = "ok";
  public static final String FAILED = "failed";

  private static final Set<String> ACTIONS =
      Set.of(
          SECRET_SET,
          SECRET_DELETE,
          KEYS_ROTATE,
          SECRET_DECRYPT,
          WORKSPACE_CREATE,
          KEY_CREATE,
          KEY_REVOKE,
          MEMBER_ADD,
          INVITATION_CREATE,
          INVITATION_ACCEPT,
          BUDGET_SET,
          BUDGET_DELETE,
          BUDGET_ALERT,
          WALLET_GRANT,
          MEMBER_REMOVE,
          OWNERSHIP_TRANSFER,
          WORKSPACE_DELETE);

  public AuditEvent {
    VaultRecord.requireText(id, "id");
    VaultRecord.requireText(workspaceId, "workspaceId");
    VaultRecord.requireText(actor, "actor");
    VaultRecord.requireText(source, "source");
    Objects.requireNonNull(action, "action is required");
    if (!ACTIONS.contains(action)) {
      throw new IllegalArgumentException("unknown audit action '" + action + "'");
    }
    outcome = outcome == null ? OK : outcome;
    if (!outcome.equals(OK) && !outcome.equals(FAILED)) {
      throw new IllegalArgumentException("outcome must be ok or failed, got '" + outcome + "'");
    }
  }

  /** Without a target (vault actions). */
  public AuditEvent(
      String id,
      String workspaceId,
      long ts,
      String action,
      String actor,
      String source,
      String secretName,
      int keyVersion,
      long revision,
      String fingerprint,
      String outcome,
      String reason,
      String missionId,
      String stepId,
      int attempt) {
    this(
        id,
        workspaceId,
        ts,
        action,
        actor,
        source,
        secretName,
        keyVersion,
        revision,
        fingerprint,
        outcome,
        reason,
        missionId,
        stepId,
        attempt,
        null);
  }

  /** A change to the control plane (workspace, key, member) through the API. */
  public static AuditEvent controlPlane(
      String id,
      String workspaceId,
      long ts,
      String action,
      String actor,
      long revision,
      String target) {
    return new AuditEvent(
        id,
        workspaceId,
        ts,
        action,
        actor,
        "api",
        null,
        0,
        revision,
        null,
        OK,
        null,
        null,
        null,
        0,
        target);
  }

  /** An action of a person through the API. */
  public static AuditEvent api(
      String id,
      String workspaceId,
      long ts,
      String action,
      String actor,
      String secretName,
      int keyVersion,
      long revision,
      String fingerprint) {
    return new AuditEvent(
        id,
        workspaceId,
        ts,
        action,
        actor,
        "api",
        secretName,
        keyVersion,
        revision,
        fingerprint,
        OK,
        null,
        null,
        null,
        0);
  }

  @Override
  public String type() {
    return TYPE;
  }
}
