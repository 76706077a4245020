package dev.gpilot.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.tenancy.Role;
import org.junit.jupiter.api.Test;

class RoutePermissionsTest {
  private static Principal as(Role role) {
    return new Principal("ws", "someone", role, null);
  }

  @Test
  void routeOf_findsTheRegisteredRoute_withHeadAsGet() {
    assertThat(RoutePermissions.routeOf("HEAD", "/api/v1/missions/abc/stream"))
        .isEqualTo("/api/v1/missions/{id}/stream");
    assertThat(RoutePermissions.routeOf("GET", "/api/v1/missions/abc"))
        .isEqualTo("/api/v1/missions/{id}");
    assertThat(RoutePermissions.routeOf("GET", "/api/v1/missions")).isEqualTo("/api/v1/missions");
    assertThat(RoutePermissions.routeOf("DELETE", "/api/v1/keys/k_1"))
        .isEqualTo("/api/v1/keys/{keyId}");
    assertThat(RoutePermissions.routeOf("GET", "/api/v1/missions/a/b/c")).isNull();
    assertThat(RoutePermissions.routeOf("PATCH", "/api/v1/missions/abc")).isNull();
    assertThat(RoutePermissions.routeOf("GET", "/api/v1/missions/a.b(c)*"))
        .isEqualTo("/api/v1/missions/{id}");
  }

  @Test
  void check_refusesAMissingPermission_andUndeclaredRoutes_with403() {
    RoutePermissions.check(as(Role.VIEWER), "GET", "/api/v1/missions/{id}/events");
    RoutePermissions.check(as(Role.VIEWER), "HEAD", "/api/v1/missions/{id}");
    RoutePermissions.check(as(Role.MEMBER), "POST", "/api/v1/missions/{id}/cancel");
    assertThatThrownBy(
            () -> RoutePermissions.check(as(Role.VIEWER), "POST", "/api/v1/missions/{id}/cancel"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(403);
              assertThat(e.type()).isEqualTo("forbidden");
            });
    assertThatThrownBy(() -> RoutePermissions.check(as(Role.OWNER), "POST", "/api/v1/undeclared"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(403));
    RoutePermissions.check(null, "POST", "/api/v1/invitations/{token}/accept");
    assertThat(RoutePermissions.isPublic("POST", "/api/v1/invitations/gpi_x/accept")).isTrue();
    assertThat(RoutePermissions.isPublic("GET", "/api/v1/invitations/gpi_x/accept")).isFalse();
    assertThat(RoutePermissions.isPublic("POST", "/api/v1/invitations/a/b/accept")).isFalse();
  }
}
