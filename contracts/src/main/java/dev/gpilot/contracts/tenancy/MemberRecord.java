package dev.gpilot.contracts.tenancy;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A person's membership of a workspace: one role per workspace; a person may belong to several.
 *
 * @param email lowercase
 * @param removedAt epoch milliseconds when the membership ended; null while in force
 */
public record MemberRecord(
    String workspaceId,
    String email,
    Role role,
    long addedAt,
    String addedBy,
    Long removedAt,
    long revision)
    implements ControlPlaneRecord {
  public static final String TYPE = "member";
  private static final Pattern EMAIL = Pattern.compile("^[^@\\s]{1,64}@[^@\\s]{1,255}$");

  public MemberRecord {
    ControlPlaneRecord.requireWorkspaceId(workspaceId);
    email = normalizeEmail(email);
    if (role == null) {
      throw new IllegalArgumentException("role is required");
    }
    ControlPlaneRecord.requireText(addedBy, "addedBy");
  }

  /**
   * @throws IllegalArgumentException when it is not an email address
   */
  public static String normalizeEmail(String email) {
    if (email == null || !EMAIL.matcher(email.strip()).matches()) {
      throw new IllegalArgumentException("email must be an email address");
    }
    return email.strip().toLowerCase(Locale.ROOT);
  }

  @Override
  public String key() {
    return "member/" + workspaceId + "/" + email;
  }
}
