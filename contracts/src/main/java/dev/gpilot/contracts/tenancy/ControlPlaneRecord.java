package dev.gpilot.contracts.tenancy;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.regex.Pattern;

/**
 * A record of the control plane on {@code gpilot.control-plane.v1} (compacted, one partition): the
 * whole current state of one workspace, API key, key usage, member, invitation or budget. The Kafka
 * key is {@link #key()}, so compaction keeps each entity's newest record. Written only by the API's
 * one fenced transactional writer; every API instance (and, later, the job) materializes the topic.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = WorkspaceRecord.class, name = WorkspaceRecord.TYPE),
  @JsonSubTypes.Type(value = ApiKeyRecord.class, name = ApiKeyRecord.TYPE),
  @JsonSubTypes.Type(value = KeyUsageRecord.class, name = KeyUsageRecord.TYPE),
  @JsonSubTypes.Type(value = MemberRecord.class, name = MemberRecord.TYPE),
  @JsonSubTypes.Type(value = InvitationRecord.class, name = InvitationRecord.TYPE),
  @JsonSubTypes.Type(value = BudgetRecord.class, name = BudgetRecord.TYPE),
  @JsonSubTypes.Type(value = WalletGrantRecord.class, name = WalletGrantRecord.TYPE)
})
public sealed interface ControlPlaneRecord
    permits WorkspaceRecord,
        ApiKeyRecord,
        KeyUsageRecord,
        MemberRecord,
        InvitationRecord,
        BudgetRecord,
        WalletGrantRecord {
  /** Workspace ids: 1–63 of {@code a-z 0-9 -}, starting with a letter or digit. */
  Pattern WORKSPACE_ID = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

  String workspaceId();

  /** The entity's revision: +1 per change; readers keep the highest. */
  long revision();

  /** The Kafka key: {@code <kind>/<workspaceId>[/<id>]}. */
  @JsonIgnore
  String key();

  static String requireText(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " is required");
    }
    return value;
  }

  static String requireWorkspaceId(String workspaceId) {
    if (workspaceId == null || !WORKSPACE_ID.matcher(workspaceId).matches()) {
      throw new IllegalArgumentException(
          "workspaceId must be 1-63 of a-z 0-9 - starting with a letter or digit");
    }
    return workspaceId;
  }
}
