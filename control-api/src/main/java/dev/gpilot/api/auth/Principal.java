package dev.gpilot.api.auth;

import dev.gpilot.contracts.tenancy.Permission;
import dev.gpilot.contracts.tenancy.Role;
import java.util.Objects;

/**
 * Who is calling: the workspace its credential belongs to, a subject for audit trails ({@code
 * key:<keyId>} for an API key, the tokens file's subject otherwise), its role there, and the API
 * key's id (null for a tokens-file token).
 */
public record Principal(String workspaceId, String subject, Role role, String keyId) {
  public Principal {
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(role, "role");
  }

  /** A tokens-file token: the Owner of its workspace. */
  public Principal(String workspaceId, String subject) {
    this(workspaceId, subject, Role.OWNER, null);
  }

  public boolean can(Permission permission) {
    return role.allows(permission);
  }
}
