package dev.gpilot.contracts.tenancy;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A member's or an API key's role in a workspace. Each role holds every permission of the roles
 * below it, and more: this enum is the role table (SPEC.md section 11 shows the same table; {@code
 * RoleTableTest} checks they agree). Roles travel in lowercase ({@code "viewer"}).
 */
public enum Role {
  VIEWER(
      EnumSet.of(
          Permission.MISSIONS_READ,
          Permission.ANALYTICS_READ,
          Permission.VAULT_READ,
          Permission.WORKSPACE_READ)),
  MEMBER(EnumSet.of(Permission.MISSIONS_SUBMIT, Permission.MISSIONS_CANCEL)),
  ADMIN(
      EnumSet.of(
          Permission.VAULT_WRITE,
          Permission.KEYS_MANAGE,
          Permission.MEMBERS_MANAGE,
          Permission.BUDGETS_MANAGE)),
  OWNER(
      EnumSet.of(
          Permission.WORKSPACES_CREATE,
          Permission.WORKSPACE_DELETE,
          Permission.OWNERSHIP_MANAGE,
          Permission.WALLETS_MANAGE));

  private final Set<Permission> added;
  private volatile Set<Permission> all;

  Role(Set<Permission> added) {
    this.added = added;
  }

  /** Every permission this role holds: its own and those of every lower role. */
  public Set<Permission> permissions() {
    if (all == null) {
      EnumSet<Permission> set = EnumSet.noneOf(Permission.class);
      for (Role r : values()) {
        if (r.ordinal() <= ordinal()) {
          set.addAll(r.added);
        }
      }
      all = Collections.unmodifiableSet(set);
    }
    return all;
  }

  public boolean allows(Permission permission) {
    return permissions().contains(permission);
  }

  /**
   * Whether this role is {@code other} or above it (a key may be given a role only up to its
   * creator's).
   */
  public boolean atLeast(Role other) {
    return ordinal() >= other.ordinal();
  }

  @com.fasterxml.jackson.annotation.JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @throws IllegalArgumentException naming the roles when {@code text} is none of them
   */
  @com.fasterxml.jackson.annotation.JsonCreator
  public static Role parse(String text) {
    if (text != null) {
      for (Role r : values()) {
        if (r.wire().equals(text)) {
          return r;
        }
      }
    }
    throw new IllegalArgumentException("role must be one of viewer, member, admin, owner");
  }
}
