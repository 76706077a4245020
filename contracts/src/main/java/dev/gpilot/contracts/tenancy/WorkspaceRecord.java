package dev.gpilot.contracts.tenancy;

/**
 * A workspace.
 *
 * @param createdAt epoch milliseconds
 * @param createdBy the subject that created it
 */
public record WorkspaceRecord(String workspaceId, String name, long createdAt, String createdBy, long revision)
    implements ControlPlaneRecord {
  public static final String TYPE = "workspace";

  public WorkspaceRecord {
    ControlPlaneRecord.requireWorkspaceId(workspaceId);
    ControlPlaneRecord.requireText(name, "name");
    ControlPlaneRecord.requireText(createdBy, "createdBy");
  }

  @Override
  public String key() {
    return "workspace/" + workspaceId;
  }
}
