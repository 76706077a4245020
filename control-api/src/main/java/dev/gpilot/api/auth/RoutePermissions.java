package dev.gpilot.api.auth;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.tenancy.Permission;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which permission each {@code /api} route needs: the one place access is decided, checked once per
 * request after the route matched (a Javalin {@code beforeMatched} handler), never in handlers. A
 * route missing here is refused (fail closed), and {@code AccessMatrixITCase} calls every route
 * listed here with every role.
 */
public final class RoutePermissions {
  /** {@code "<METHOD> <path as registered>"} → permission. */
  public static final Map<String, Permission> ROUTES = routes();

  /**
   * Routes that take no {@code Authorization}: the credential is in the request itself (an
   * invitation's accept token). An Authorization header sent to them is ignored.
   */
  public static final java.util.Set<String> PUBLIC =
      java.util.Set.of("POST /api/v1/invitations/{token}/accept");

  private static final java.util.regex.Pattern PUBLIC_PATHS =
      java.util.regex.Pattern.compile("^/api/v1/invitations/[^/]+/accept$");

  private RoutePermissions() {}

  private static Map<String, Permission> routes() {
    Map<String, Permission> m = new LinkedHashMap<>();
    m.put("GET /api/v1/missions", Permission.MISSIONS_READ);
    m.put("POST /api/v1/missions", Permission.MISSIONS_SUBMIT);
    m.put("POST /api/v1/missions/batch", Permission.MISSIONS_SUBMIT);
    m.put("GET /api/v1/missions/{id}", Permission.MISSIONS_READ);
    m.put("GET /api/v1/missions/{id}/stream", Permission.MISSIONS_READ);
    m.put("GET /api/v1/missions/{id}/events", Permission.MISSIONS_READ);
    m.put("POST /api/v1/missions/{id}/cancel", Permission.MISSIONS_CANCEL);
    m.put("POST /api/v1/missions/{id}/rerun", Permission.MISSIONS_SUBMIT);
    m.put("GET /api/v1/agents", Permission.MISSIONS_READ);
    m.put("GET /api/v1/analytics/agent-costs", Permission.ANALYTICS_READ);
    m.put("GET /api/v1/analytics/cost-series", Permission.ANALYTICS_READ);
    m.put("GET /api/v1/analytics/price-versions", Permission.ANALYTICS_READ);
    m.put("GET /api/v1/usage", Permission.ANALYTICS_READ);
    m.put("GET /api/v1/vault", Permission.VAULT_READ);
    m.put("GET /api/v1/vault/rotations", Permission.VAULT_READ);
    m.put("GET /api/v1/vault/secrets/{name}", Permission.VAULT_READ);
    m.put("PUT /api/v1/vault/secrets/{name}", Permission.VAULT_WRITE);
    m.put("DELETE /api/v1/vault/secrets/{name}", Permission.VAULT_WRITE);
    m.put("POST /api/v1/vault/rotate", Permission.VAULT_WRITE);
    m.put("GET /api/v1/workspaces", Permission.WORKSPACE_READ);
    m.put("POST /api/v1/workspaces", Permission.WORKSPACES_CREATE);
    m.put("POST /api/v1/workspaces/{id}/transfer", Permission.OWNERSHIP_MANAGE);
    m.put("DELETE /api/v1/workspaces/{id}", Permission.WORKSPACE_DELETE);
    m.put("GET /api/v1/keys", Permission.KEYS_MANAGE);
    m.put("POST /api/v1/keys", Permission.KEYS_MANAGE);
    m.put("DELETE /api/v1/keys/{keyId}", Permission.KEYS_MANAGE);
    m.put("GET /api/v1/members", Permission.WORKSPACE_READ);
    m.put("POST /api/v1/members", Permission.MEMBERS_MANAGE);
    m.put("DELETE /api/v1/members/{email}", Permission.MEMBERS_MANAGE);
    m.put("POST /api/v1/invitations", Permission.MEMBERS_MANAGE);
    m.put("GET /api/v1/budgets", Permission.WORKSPACE_READ);
    m.put("PUT /api/v1/budgets/{budgetId}", Permission.BUDGETS_MANAGE);
    m.put("DELETE /api/v1/budgets/{budgetId}", Permission.BUDGETS_MANAGE);
    m.put("GET /api/v1/wallet", Permission.WORKSPACE_READ);
    m.put("GET /api/v1/wallet/ledger", Permission.WORKSPACE_READ);
    m.put("POST /api/v1/wallet/grants", Permission.WALLETS_MANAGE);
    return java.util.Collections.unmodifiableMap(m);
  }

  /**
   * Each route's path as a pattern, for requests Javalin matched without naming the endpoint
   * (HEAD).
   */
  private static final Map<String, java.util.regex.Pattern> TEMPLATES = templates();

  private static Map<String, java.util.regex.Pattern> templates() {
    Map<String, java.util.regex.Pattern> m = new LinkedHashMap<>();
    java.util.stream.Stream.concat(ROUTES.keySet().stream(), PUBLIC.stream())
        .forEach(
            route -> {
              String path = route.substring(route.indexOf(' ') + 1);
              m.put(
                  route,
                  java.util.regex.Pattern.compile(
                      "^"
                          + java.util.regex.Pattern.quote(path)
                              .replaceAll("\\{[a-zA-Z]+\\}", "\\\\E[^/]+\\\\Q")
                          + "$"));
            });
    return java.util.Collections.unmodifiableMap(m);
  }

  /**
   * The route a request is for, as registered ({@code "/api/v1/missions/{id}"}), from its method
   * ({@code HEAD} as {@code GET}) and path; null when no route of the tables matches.
   */
  public static String routeOf(String method, String requestPath) {
    String m = method.equals("HEAD") ? "GET" : method;
    for (Map.Entry<String, java.util.regex.Pattern> e : TEMPLATES.entrySet()) {
      if (e.getKey().startsWith(m + " ") && e.getValue().matcher(requestPath).matches()) {
        return e.getKey().substring(e.getKey().indexOf(' ') + 1);
      }
    }
    return null;
  }

  /** Whether a request (before routing) is for a public route, so it needs no credential. */
  public static boolean isPublic(String method, String path) {
    return method.equals("POST") && PUBLIC_PATHS.matcher(path).matches();
  }

  /**
   * @param method the HTTP method ({@code HEAD} is checked as {@code GET})
   * @param path the matched route's path as registered
   * @throws ApiException 403 {@code forbidden} when the caller's role lacks the route's permission,
   *     or the route declares none
   */
  public static void check(Principal caller, String method, String path) {
    String m = method.equals("HEAD") ? "GET" : method;
    if (PUBLIC.contains(m + " " + path)) {
      return;
    }
    if (caller == null) {
      throw ApiException.unauthorized(
          "missing Authorization header; send 'Authorization: Bearer <token>'");
    }
    Permission needed = ROUTES.get(m + " " + path);
    if (needed == null) {
      throw ApiException.forbidden("no permission is declared for " + m + " " + path);
    }
    if (!caller.can(needed)) {
      throw ApiException.forbidden(
          "this "
              + caller.role().wire()
              + " credential lacks the permission "
              + needed.name().toLowerCase(java.util.Locale.ROOT)
              + " ("
              + m
              + " "
              + path
              + ")");
    }
  }
}
