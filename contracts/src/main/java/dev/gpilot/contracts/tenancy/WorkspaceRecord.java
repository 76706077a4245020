package dev.gpilot.contracts.tenancy;

/**
 * A workspace.
 *
 * @param createdAt epoch milliseconds
 * @param createdBy the subject that created it
 * @param createdIn the workspace of the credential that created it (subjects are unique only within one)
 */
public record WorkspaceRecord(String workspaceId, String name, long createdAt, String createdBy, String createdIn,
    long revision) implements ControlPlaneRecord {
  public static final String TYPE = "workspace";

  public WorkspaceRecord {
    ControlPlaneRecord.requireWorkspaceId(workspaceId);
    ControlPlaneRecord.requireText(name, "name");
    ControlPlaneRecord.requireText(createdBy, "createdBy");
    ControlPlaneRecord.requireText(createdIn, "createdIn");
  }

  @Override
  public String key() {
    return "workspace/" + workspaceId;
  }
}
