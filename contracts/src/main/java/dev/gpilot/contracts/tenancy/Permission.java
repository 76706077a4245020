package dev.gpilot.contracts.tenancy;

/**
 * What a caller may do in its workspace. Which role holds which permission is {@link
 * Role#permissions()}, the same table as SPEC.md section 11 ({@code RoleTableTest} reads both);
 * which route needs which permission is the API's route table.
 */
public enum Permission {
  /** List and read missions, their streams (SSE, NDJSON) and the agent catalog. */
  MISSIONS_READ,
  /** Cost analytics. */
  ANALYTICS_READ,
  /** Vault metadata: names, versions, fingerprints, rotations (never values). */
  VAULT_READ,
  /** The caller's workspaces and their members. */
  WORKSPACE_READ,
  /** Submit missions (one or a batch). */
  MISSIONS_SUBMIT,
  /** Cancel missions. */
  MISSIONS_CANCEL,
  /** Set, replace and delete vault secrets; rotate the vault's keys. */
  VAULT_WRITE,
  /** Create, list and revoke API keys (never above the caller's own role). */
  KEYS_MANAGE,
  /** Add, invite and remove members, with roles up to Admin. */
  MEMBERS_MANAGE,
  /** Create, change and delete budgets (the job enforces them; SPEC.md section 11). */
  BUDGETS_MANAGE,
  /** Create workspaces (the creator gets the new workspace's first Owner key). */
  WORKSPACES_CREATE,
  /** Delete the workspace. */
  WORKSPACE_DELETE,
  /** Transfer ownership; add, remove and invite Owners. */
  OWNERSHIP_MANAGE,
  /** Add wallet grants (prepaid credits; SPEC.md section 11). */
  WALLETS_MANAGE
}
