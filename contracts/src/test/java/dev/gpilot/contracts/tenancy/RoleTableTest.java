package dev.gpilot.contracts.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.contracts.json.JsonCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoleTableTest {
  private static final Path SPEC = Path.of("..", "SPEC.md");

  /** The role table in SPEC.md section 11, read as (permission → roles that hold it). */
  private static Map<Permission, Set<Role>> specTable() throws Exception {
    String spec = Files.readString(SPEC, StandardCharsets.UTF_8);
    String table =
        spec.substring(
            spec.indexOf("<!-- role-table:begin -->"), spec.indexOf("<!-- role-table:end -->"));
    List<String> rows = table.lines().filter(l -> l.startsWith("| `")).toList();
    Map<Permission, Set<Role>> out = new EnumMap<>(Permission.class);
    for (String row : rows) {
      String[] cells = row.split("\\|", -1);
      Permission p = Permission.valueOf(cells[1].strip().replace("`", "").toUpperCase(Locale.ROOT));
      Set<Role> roles = EnumSet.noneOf(Role.class);
      for (Role r : Role.values()) {
        if (cells[2 + r.ordinal()].strip().equals("✓")) {
          roles.add(r);
        }
      }
      assertThat(out.put(p, roles)).as("permission %s listed twice in SPEC", p).isNull();
    }
    return out;
  }

  @Test
  void specRoleTable_equalsTheCodesTable() throws Exception {
    Map<Permission, Set<Role>> spec = specTable();
    assertThat(spec.keySet()).containsExactlyInAnyOrder(Permission.values());
    for (Permission p : Permission.values()) {
      Set<Role> inCode = EnumSet.noneOf(Role.class);
      for (Role r : Role.values()) {
        if (r.allows(p)) {
          inCode.add(r);
        }
      }
      assertThat(spec.get(p)).as("roles holding %s: SPEC vs Role", p).isEqualTo(inCode);
    }
  }

  @Test
  void eachRole_holdsEveryPermissionOfTheRolesBelow() {
    for (Role lower : Role.values()) {
      for (Role higher : Role.values()) {
        if (higher.atLeast(lower)) {
          assertThat(higher.permissions()).containsAll(lower.permissions());
        }
      }
    }
    assertThat(Role.VIEWER.allows(Permission.MISSIONS_READ)).isTrue();
    assertThat(Role.VIEWER.allows(Permission.MISSIONS_SUBMIT)).isFalse();
    assertThat(Role.MEMBER.allows(Permission.MISSIONS_CANCEL)).isTrue();
    assertThat(Role.MEMBER.allows(Permission.VAULT_WRITE)).isFalse();
    assertThat(Role.ADMIN.allows(Permission.KEYS_MANAGE)).isTrue();
    assertThat(Role.ADMIN.allows(Permission.WORKSPACES_CREATE)).isFalse();
    assertThat(Role.OWNER.permissions()).containsExactlyInAnyOrder(Permission.values());
  }

  @Test
  void roles_travelInLowercase_andUnknownOnesAreRefused() {
    assertThat(Role.parse("admin")).isEqualTo(Role.ADMIN);
    assertThatThrownBy(() -> Role.parse("ADMIN")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Role.parse("root"))
        .hasMessageContaining("viewer, member, admin, owner");
  }

  @Test
  void controlPlaneRecords_roundTripAsTheirUnion() {
    JsonCodec<ControlPlaneRecord> codec = JsonCodec.of(ControlPlaneRecord.class);
    List<ControlPlaneRecord> records =
        List.of(
            new WorkspaceRecord("acme", "Acme", 1, "alice", "default", 1),
            new ApiKeyRecord(
                "acme",
                "k_0123456789abcdef",
                "ci",
                Role.MEMBER,
                "a".repeat(64),
                2,
                "key:k_1",
                99L,
                null,
                null,
                1),
            KeyUsageRecord.of("acme", "k_0123456789abcdef", 5),
            new MemberRecord("acme", "Bob@Example.com", Role.ADMIN, 3, "alice", null, 2));
    for (ControlPlaneRecord r : records) {
      String json = codec.encodeToString(r);
      assertThat(codec.decode(json))
          .isEqualTo(
              r.getClass() == MemberRecord.class
                  ? new MemberRecord("acme", "bob@example.com", Role.ADMIN, 3, "alice", null, 2)
                  : r);
    }
    assertThat(codec.encodeToString(records.get(1)))
        .contains("\"type\":\"api-key\"")
        .contains("\"role\":\"member\"")
        .doesNotContain("\"key\"");
  }

  @Test
  void apiKey_isRefusedOnceRevokedOrExpired() {
    ApiKeyRecord k =
        new ApiKeyRecord(
            "acme",
            "k_0123456789abcdef",
            "ci",
            Role.VIEWER,
            "b".repeat(64),
            0,
            "alice",
            1_000L,
            null,
            null,
            1);
    assertThat(k.refusedAt(999)).isFalse();
    assertThat(k.refusedAt(1_000)).isTrue();
    ApiKeyRecord revoked = k.revoked(500, "bob");
    assertThat(revoked.refusedAt(499)).isFalse();
    assertThat(revoked.refusedAt(500)).isTrue();
    assertThat(revoked.revision()).isEqualTo(2);
  }
}
