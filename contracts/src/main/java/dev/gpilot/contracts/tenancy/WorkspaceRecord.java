package dev.gpilot.contracts.tenancy;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A workspace.
 *
 * @param createdAt epoch milliseconds
 * @param createdBy the subject that created it
 * @param createdIn the workspace of the credential that created it (subjects are unique only within
 *     one)
 * @param deletedAt epoch milliseconds when it was deleted; null while it exists. A deleted
 *     workspace keeps its id (it cannot be created again: its missions and costs stay in history
 *     under it) and none of its keys works
 * @param deletedBy the subject that deleted it; null while it exists
 */
public record WorkspaceRecord(
    String workspaceId,
    String name,
    long createdAt,
    String createdBy,
    String createdIn,
    Long deletedAt,
    String deletedBy,
    long revision)
    implements ControlPlaneRecord {
  public static final String TYPE = "workspace";

  public WorkspaceRecord {
    ControlPlaneRecord.requireWorkspaceId(workspaceId);
    ControlPlaneRecord.requireText(name, "name");
    ControlPlaneRecord.requireText(createdBy, "createdBy");
    ControlPlaneRecord.requireText(createdIn, "createdIn");
    if ((deletedAt == null) != (deletedBy == null)) {
      throw new IllegalArgumentException("deletedAt and deletedBy go together");
    }
  }

  /** A workspace in force. */
  public WorkspaceRecord(
      String workspaceId,
      String name,
      long createdAt,
      String createdBy,
      String createdIn,
      long revision) {
    this(workspaceId, name, createdAt, createdBy, createdIn, null, null, revision);
  }

  @Override
  public String key() {
    return "workspace/" + workspaceId;
  }

  @JsonIgnore
  public boolean deleted() {
    return deletedAt != null;
  }

  public WorkspaceRecord deleted(long at, String by) {
    return new WorkspaceRecord(
        workspaceId, name, createdAt, createdBy, createdIn, at, by, revision + 1);
  }
}
