package dev.gpilot.api.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.RoutePermissions;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.vault.VaultOptions;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.contracts.tenancy.Permission;
import dev.gpilot.contracts.tenancy.Role;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every {@code /api} route × every credential (API keys of each role, the tokens file's Owner
 * token, an expired key, a revoked key, none) × the caller's own objects and another workspace's,
 * on the real API over HTTP: a missing permission is 403 {@code /problems/forbidden}, another
 * workspace's object 404, a dead key 401, and a permitted call does what the route does. NDJSON,
 * SSE, cancel, analytics and the vault included.
 */
class AccessMatrixITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static final String FILE_TOKEN = "file-owner-token";
  private static final String OWN = "ws-own";
  private static final String FOREIGN = "ws-foreign";
  private static final String FOREIGN_MEMBER = "their-person@example.com";
  private static ControlApi api;
  private static ApiClient http;

  /** Credential name → token, in the own workspace. */
  private static final Map<String, String> CALLERS = new LinkedHashMap<>();

  private static final Map<String, Role> ROLES = new LinkedHashMap<>();
  private static String foreignOwnerKey;
  private static String ownMission;
  private static String foreignMission;
  private static String foreignKeyId;
  private static String expiredKey;
  private static String revokedKey;
  private static final AtomicInteger SEQ = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    Path home = Files.createTempDirectory("access-matrix");
    ClickHouseMigrations.apply(CLICKHOUSE.client());
    api =
        new ControlApi(
                new ApiOptions(
                        "127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 10_000, 2)
                    .withClickHouse(CLICKHOUSE.url(), CLICKHOUSE.database()),
                TokenAuthenticator.of(Map.of(FILE_TOKEN, new Principal(OWN, "file-owner"))),
                VaultOptions.localKeyset(home.resolve("vault/master-keyset.json").toString()),
                TenancyOptions.of(home.resolve("auth/key-hash-secret")))
            .start();
    http = new ApiClient(api.port(), null);
    for (Role role : Role.values()) {
      String key =
          http.ok(
                  "POST",
                  "/api/v1/keys",
                  FILE_TOKEN,
                  "{\"name\":\"" + role.wire() + "\",\"role\":\"" + role.wire() + "\"}",
                  201)
              .get("key")
              .asText();
      CALLERS.put(role.wire() + "-key", key);
      ROLES.put(role.wire() + "-key", role);
    }
    CALLERS.put("file-owner", FILE_TOKEN);
    ROLES.put("file-owner", Role.OWNER);

    foreignOwnerKey =
        http.ok(
                "POST",
                "/api/v1/workspaces",
                FILE_TOKEN,
                "{\"name\":\"Foreign Inc\",\"workspaceId\":\"" + FOREIGN + "\"}",
                201)
            .get("ownerKey")
            .get("key")
            .asText();
    foreignMission =
        http.ok("POST", "/api/v1/missions", foreignOwnerKey, "{\"mission\":\"theirs\"}", 202)
            .get("missionId")
            .asText();
    foreignKeyId =
        http.ok(
                "POST",
                "/api/v1/keys",
                foreignOwnerKey,
                "{\"name\":\"x\",\"role\":\"viewer\"}",
                201)
            .get("keyId")
            .asText();
    http.ok(
        "PUT",
        "/api/v1/vault/secrets/gemini",
        foreignOwnerKey,
        "{\"value\":\"their-secret\"}",
        201);
    http.ok(
        "POST",
        "/api/v1/members",
        foreignOwnerKey,
        "{\"email\":\"" + FOREIGN_MEMBER + "\",\"role\":\"viewer\"}",
        201);
    ownMission =
        http.ok("POST", "/api/v1/missions", FILE_TOKEN, "{\"mission\":\"ours\"}", 202)
            .get("missionId")
            .asText();
    http.ok("PUT", "/api/v1/vault/secrets/gemini", FILE_TOKEN, "{\"value\":\"our-secret\"}", 201);

    long expiresAt = System.currentTimeMillis() + 1_500;
    expiredKey =
        http.ok(
                "POST",
                "/api/v1/keys",
                FILE_TOKEN,
                "{\"name\":\"short\",\"role\":\"owner\",\"expiresAt\":" + expiresAt + "}",
                201)
            .get("key")
            .asText();
    var revoked =
        http.ok("POST", "/api/v1/keys", FILE_TOKEN, "{\"name\":\"gone\",\"role\":\"owner\"}", 201);
    revokedKey = revoked.get("key").asText();
    assertThat(http.call("GET", "/api/v1/agents", revokedKey, null).status()).isEqualTo(200);
    http.ok("DELETE", "/api/v1/keys/" + revoked.get("keyId").asText(), FILE_TOKEN, null, 204);
    while (System.currentTimeMillis() <= expiresAt) {
      Thread.sleep(100); // waiting for the clock, not for the system under test
    }
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  private static final String BUDGET =
      "{\"limitMicros\":1000,\"period\":\"month\",\"mode\":\"hard\"}";

  /**
   * A concrete request for a route: its path with own or foreign ids, and a body that the route
   * accepts.
   */
  private record Call(
      String method, String path, String contentType, String body, Set<Integer> success) {}

  private static Call call(String route, boolean foreign) throws Exception {
    String method = route.substring(0, route.indexOf(' '));
    String template = route.substring(route.indexOf(' ') + 1);
    String mission = foreign ? foreignMission : ownMission;
    int n = SEQ.incrementAndGet();
    String path =
        template.startsWith("/api/v1/workspaces/")
            ? template.replace("{id}", foreign ? FOREIGN : OWN)
            : template.replace("{id}", mission).replace("{name}", "gemini");
    String member = null;
    if (template.contains("{email}") || route.equals("POST /api/v1/workspaces/{id}/transfer")) {
      // A fresh member of the own workspace for each call, so every permitted removal or transfer
      // has one.
      member = "m" + n + "@example.com";
      http.ok(
          "POST",
          "/api/v1/members",
          FILE_TOKEN,
          "{\"email\":\"" + member + "\",\"role\":\"viewer\"}",
          201);
      path = path.replace("{email}", foreign ? FOREIGN_MEMBER : member);
    }
    if (template.contains("{keyId}")) {
      // A fresh key of the own workspace to revoke, so every permitted DELETE has one.
      path =
          template.replace(
              "{keyId}",
              foreign
                  ? foreignKeyId
                  : http.ok(
                          "POST",
                          "/api/v1/keys",
                          FILE_TOKEN,
                          "{\"name\":\"victim\",\"role\":\"viewer\"}",
                          201)
                      .get("keyId")
                      .asText());
    }
    if (route.equals("PUT /api/v1/budgets/{budgetId}")) {
      path = "/api/v1/budgets/b" + n;
    }
    if (route.equals("DELETE /api/v1/budgets/{budgetId}")) {
      // A budget of the own workspace before each DELETE, so each permitted one has one to delete.
      assertThat(http.call("PUT", "/api/v1/budgets/d" + n, FILE_TOKEN, BUDGET).status())
          .isEqualTo(200);
      path = "/api/v1/budgets/d" + n;
    }
    if (route.equals("DELETE /api/v1/vault/secrets/{name}")) {
      // Set again before each permitted DELETE, so each has a secret to delete.
      assertThat(
              http.call(
                      "PUT",
                      "/api/v1/vault/secrets/shopify",
                      FILE_TOKEN,
                      "{\"value\":\"v" + n + "\"}")
                  .status())
          .isIn(200, 201);
      path = "/api/v1/vault/secrets/shopify";
    }
    return switch (route) {
      case "POST /api/v1/missions" ->
          new Call(method, path, "application/json", "{\"mission\":\"m" + n + "\"}", Set.of(202));
      case "POST /api/v1/missions/batch" ->
          new Call(
              method, path, "application/x-ndjson", "{\"mission\":\"b" + n + "\"}\n", Set.of(200));
      case "POST /api/v1/missions/{id}/cancel" -> new Call(method, path, null, null, Set.of(202));
      // No job runs here, so the mission never finishes: a permitted fork is refused past the
      // permission check.
      case "POST /api/v1/missions/{id}/rerun" ->
          new Call(method, path, "application/json", "{}", Set.of(409));
      case "PUT /api/v1/vault/secrets/{name}" ->
          new Call(method, path, "application/json", "{\"value\":\"v" + n + "\"}", Set.of(200));
      case "PUT /api/v1/budgets/{budgetId}" ->
          new Call(method, path, "application/json", BUDGET, Set.of(200));
      case "POST /api/v1/wallet/grants" ->
          new Call(
              method,
              path,
              "application/json",
              "{\"amountMicros\":1000,\"note\":\"g" + n + "\"}",
              Set.of(201));
      case "DELETE /api/v1/vault/secrets/{name}",
          "DELETE /api/v1/keys/{keyId}",
          "DELETE /api/v1/budgets/{budgetId}" ->
          new Call(method, path, null, null, Set.of(204));
      // At most one rotation an hour: the second permitted caller is told when (429), past the
      // permission check.
      case "POST /api/v1/vault/rotate" -> new Call(method, path, null, null, Set.of(200, 429));
      case "POST /api/v1/workspaces" ->
          new Call(method, path, "application/json", "{\"name\":\"w" + n + "\"}", Set.of(201));
      case "POST /api/v1/keys" ->
          new Call(
              method,
              path,
              "application/json",
              "{\"name\":\"k" + n + "\",\"role\":\"viewer\"}",
              Set.of(201));
      case "POST /api/v1/members", "POST /api/v1/invitations" ->
          new Call(
              method,
              path,
              "application/json",
              "{\"email\":\"p" + n + "@example.com\",\"role\":\"viewer\"}",
              Set.of(201));
      case "DELETE /api/v1/members/{email}" -> new Call(method, path, null, null, Set.of(204));
      case "POST /api/v1/workspaces/{id}/transfer" ->
          new Call(method, path, "application/json", "{\"email\":\"" + member + "\"}", Set.of(200));
      // The own workspace is the tokens file's: a permitted deletion is refused past the permission
      // check (a
      // deletion that happens is WorkspaceLifecycleITCase's).
      case "DELETE /api/v1/workspaces/{id}" -> new Call(method, path, null, null, Set.of(409));
      case "POST /api/v1/invitations/{token}/accept" ->
          new Call(
              method,
              http.ok(
                      "POST",
                      "/api/v1/invitations",
                      FILE_TOKEN,
                      "{\"email\":\"i" + n + "@example.com\",\"role\":\"member\"}",
                      201)
                  .get("acceptPath")
                  .asText(),
              null,
              null,
              Set.of(201));
      default -> new Call(method, path, null, null, Set.of(200));
    };
  }

  private static boolean hasObjectId(String route) {
    return route.contains("{id}") || route.contains("{keyId}") || route.contains("{email}");
  }

  @Test
  void everyRoute_everyCredential_ownAndForeign() throws Exception {
    List<String> failures = new ArrayList<>();
    int checked = 0;
    for (String route : RoutePermissions.ROUTES.keySet()) {
      Permission needed = RoutePermissions.ROUTES.get(route);
      for (var caller : CALLERS.entrySet()) {
        Role role = ROLES.get(caller.getKey());
        for (boolean foreign : hasObjectId(route) ? List.of(false, true) : List.of(false)) {
          Call c = call(route, foreign);
          ApiClient.Response a =
              http.open(c.method(), c.path(), caller.getValue(), c.contentType(), c.body());
          checked++;
          String what =
              route
                  + " as "
                  + caller.getKey()
                  + (foreign ? " on a foreign object" : "")
                  + " → "
                  + a;
          if (!role.allows(needed)) {
            if (a.status() != 403
                || !a.contentType().startsWith("application/problem+json")
                || !a.json().get("type").asText().equals("/problems/forbidden")) {
              failures.add("expected 403 forbidden: " + what);
            }
          } else if (foreign) {
            if (a.status() != 404 || !a.contentType().startsWith("application/problem+json")) {
              failures.add("expected 404: " + what);
            }
          } else if (!c.success().contains(a.status())) {
            failures.add("expected " + c.success() + ": " + what);
          }
        }
      }
      for (var dead :
          Map.of(
                  "expired",
                  expiredKey,
                  "revoked",
                  revokedKey,
                  "garbage",
                  "gp_k_0000000000000000_x",
                  "none",
                  "")
              .entrySet()) {
        Call c = call(route, false);
        ApiClient.Response a =
            http.open(
                c.method(),
                c.path(),
                dead.getValue().isEmpty() ? null : dead.getValue(),
                c.contentType(),
                c.body());
        checked++;
        if (a.status() != 401 || !a.contentType().startsWith("application/problem+json")) {
          failures.add("expected 401 for a " + dead.getKey() + " key: " + route + " → " + a);
        }
      }
    }
    // Public routes: the credential is in the path; any Authorization header, even a dead one, is
    // ignored.
    for (String route : RoutePermissions.PUBLIC) {
      List<String> anyone = new ArrayList<>(CALLERS.values());
      anyone.addAll(List.of(expiredKey, revokedKey, ""));
      for (String token : anyone) {
        Call c = call(route, false);
        ApiClient.Response a =
            http.open(
                c.method(), c.path(), token.isEmpty() ? null : token, c.contentType(), c.body());
        checked++;
        if (!c.success().contains(a.status())) {
          failures.add("expected " + c.success() + ": public " + route + " → " + a);
        }
      }
    }
    System.out.printf(
        "access matrix: %d routes x %d credentials (%d roles as keys, the tokens-file owner) x own/foreign"
            + " object, + 4 dead credentials (expired, revoked, garbage, none) per route, + %d public routes: %d calls%n",
        RoutePermissions.ROUTES.size(),
        CALLERS.size(),
        CALLERS.size() - 1,
        RoutePermissions.PUBLIC.size(),
        checked);
    assertThat(failures).as("%d calls checked", checked).isEmpty();
    assertThat(checked).isGreaterThan(RoutePermissions.ROUTES.size() * (CALLERS.size() + 4));
  }

  /**
   * What the issue names, said without the route table, so a wrong entry in it cannot make this
   * pass.
   */
  @Test
  void viewer_readsAndStreams_butCannotSubmitCancelOrWriteTheVault() throws Exception {
    String viewer = CALLERS.get("viewer-key");
    assertThat(http.call("GET", "/api/v1/missions/" + ownMission, viewer, null).status())
        .isEqualTo(200);
    ApiClient.Response sse =
        http.open("GET", "/api/v1/missions/" + ownMission + "/stream", viewer, null, null);
    assertThat(sse.status()).isEqualTo(200);
    assertThat(sse.contentType()).startsWith("text/event-stream");
    ApiClient.Response ndjson =
        http.open("GET", "/api/v1/missions/" + ownMission + "/events", viewer, null, null);
    assertThat(ndjson.status()).isEqualTo(200);
    assertThat(ndjson.contentType()).startsWith("application/x-ndjson");
    assertThat(http.call("GET", "/api/v1/vault", viewer, null).status()).isEqualTo(200);
    assertThat(http.call("GET", "/api/v1/analytics/agent-costs", viewer, null).status())
        .isEqualTo(200);
    for (ApiClient.Response refused :
        List.of(
            http.call("POST", "/api/v1/missions", viewer, "{\"mission\":\"no\"}"),
            http.call("POST", "/api/v1/missions/" + ownMission + "/cancel", viewer, null),
            http.call("PUT", "/api/v1/vault/secrets/gemini", viewer, "{\"value\":\"no\"}"),
            http.call("DELETE", "/api/v1/vault/secrets/gemini", viewer, null),
            http.call("POST", "/api/v1/vault/rotate", viewer, null),
            http.call("POST", "/api/v1/keys", viewer, "{\"name\":\"no\",\"role\":\"viewer\"}"))) {
      assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
      assertThat(refused.contentType()).startsWith("application/problem+json");
      assertThat(refused.json().get("type").asText()).isEqualTo("/problems/forbidden");
    }
  }

  @Test
  void workspaces_tellEachCredentialItsRoleAndPermissions_asTheRouteTableEnforcesThem()
      throws Exception {
    for (Map.Entry<String, String> caller : CALLERS.entrySet()) {
      Role role = ROLES.get(caller.getKey());
      var list =
          http.ok("GET", "/api/v1/workspaces", caller.getValue(), null, 200).get("workspaces");
      var own =
          StreamSupport.stream(list.spliterator(), false)
              .filter(w -> w.get("workspaceId").asText().equals(OWN))
              .findFirst()
              .orElseThrow();
      assertThat(own.get("role").asText()).as(caller.getKey()).isEqualTo(role.wire());
      List<String> permissions = new ArrayList<>();
      own.get("permissions").forEach(p -> permissions.add(p.asText()));
      assertThat(permissions)
          .as(caller.getKey())
          .containsExactlyInAnyOrderElementsOf(
              role.permissions().stream()
                  .map(p -> p.name().toLowerCase(java.util.Locale.ROOT))
                  .toList());
    }
  }

  @Test
  void aKey_neverExceedsItsCreatorsRole() throws Exception {
    ApiClient.Response a =
        http.call(
            "POST",
            "/api/v1/keys",
            CALLERS.get("admin-key"),
            "{\"name\":\"up\",\"role\":\"owner\"}");
    assertThat(a.status()).isEqualTo(403);
    assertThat(a.json().get("type").asText()).isEqualTo("/problems/forbidden");
    assertThat(
            http.call(
                    "POST",
                    "/api/v1/keys",
                    CALLERS.get("admin-key"),
                    "{\"name\":\"ok\",\"role\":\"admin\"}")
                .status())
        .isEqualTo(201);
    String ownerKeyId =
        http.ok("POST", "/api/v1/keys", FILE_TOKEN, "{\"name\":\"o\",\"role\":\"owner\"}", 201)
            .get("keyId")
            .asText();
    assertThat(
            http.call("DELETE", "/api/v1/keys/" + ownerKeyId, CALLERS.get("admin-key"), null)
                .status())
        .isEqualTo(403);
  }

  @Test
  void badRequests_areClear4xx_andWriteNothing() throws Exception {
    String owner = CALLERS.get("owner-key");
    int keysBefore = http.ok("GET", "/api/v1/keys", owner, null, 200).get("keys").size();
    for (String body :
        List.of(
            "",
            "[]",
            "{",
            "{\"name\":\"x\"}",
            "{\"name\":\"x\",\"role\":\"root\"}",
            "{\"name\":\"x\",\"role\":\"viewer\",\"extra\":1}",
            "{\"name\":\" \",\"role\":\"viewer\"}",
            "{\"name\":\"x\",\"role\":\"viewer\",\"expiresAt\":\"tomorrow\"}",
            "{\"name\":\"x\",\"role\":\"viewer\",\"expiresAt\":1}")) {
      ApiClient.Response a = http.call("POST", "/api/v1/keys", owner, body);
      assertThat(a.status()).as(body + " → " + a).isEqualTo(400);
      assertThat(a.contentType()).startsWith("application/problem+json");
    }
    assertThat(http.ok("GET", "/api/v1/keys", owner, null, 200).get("keys").size())
        .isEqualTo(keysBefore);
    assertThat(
            http.call(
                    "POST",
                    "/api/v1/workspaces",
                    owner,
                    "{\"name\":\"x\",\"workspaceId\":\"Bad Id\"}")
                .status())
        .isEqualTo(400);
    assertThat(
            http.call(
                    "POST",
                    "/api/v1/workspaces",
                    owner,
                    "{\"name\":\"again\",\"workspaceId\":\"ws-foreign\"}")
                .status())
        .isEqualTo(409);
    assertThat(
            http.call(
                    "POST",
                    "/api/v1/workspaces",
                    owner,
                    "{\"name\":\"again\",\"workspaceId\":\"" + OWN + "\"}")
                .status())
        .isEqualTo(409);
    assertThat(http.call("DELETE", "/api/v1/keys/k_ffffffffffffffff", owner, null).status())
        .isEqualTo(404);
  }

  @Test
  void keys_areShownOnce_andListedWithoutSecrets() throws Exception {
    var created =
        http.ok(
            "POST", "/api/v1/keys", FILE_TOKEN, "{\"name\":\"listed\",\"role\":\"member\"}", 201);
    String key = created.get("key").asText();
    assertThat(key).startsWith("gp_" + created.get("keyId").asText() + "_");
    assertThat(http.call("GET", "/api/v1/agents", key, null).status()).isEqualTo(200);
    String list = http.call("GET", "/api/v1/keys", FILE_TOKEN, null).body();
    assertThat(list)
        .contains(created.get("keyId").asText())
        .doesNotContain(key)
        .doesNotContain(key.substring("gp_k_0123456789abcdef_".length()));
    var listed =
        Stream.of(http.ok("GET", "/api/v1/keys", FILE_TOKEN, null, 200).get("keys"))
            .flatMap(n -> java.util.stream.StreamSupport.stream(n.spliterator(), false))
            .filter(n -> n.get("keyId").asText().equals(created.get("keyId").asText()))
            .findFirst()
            .orElseThrow();
    assertThat(listed.get("status").asText()).isEqualTo("active");
    assertThat(listed.get("lastUsedAt").asLong())
        .isPositive(); // this instance's own, not yet written, use
  }

  @Test
  void invitation_isAcceptedOnce_andMakesAMemberWithAKeyOfItsRole() throws Exception {
    assertThat(
            http.call(
                    "POST",
                    "/api/v1/invitations",
                    CALLERS.get("admin-key"),
                    "{\"email\":\"boss@example.com\",\"role\":\"owner\"}")
                .status())
        .isEqualTo(403);
    var invitation =
        http.ok(
            "POST",
            "/api/v1/invitations",
            CALLERS.get("admin-key"),
            "{\"email\":\"Carol@Example.com\",\"role\":\"member\"}",
            201);
    String path = invitation.get("acceptPath").asText();
    var accepted = http.ok("POST", path, null, null, 201);
    assertThat(accepted.get("workspaceId").asText()).isEqualTo(OWN);
    assertThat(accepted.get("email").asText()).isEqualTo("carol@example.com");
    String key = accepted.get("key").get("key").asText();
    assertThat(http.call("POST", "/api/v1/missions", key, "{\"mission\":\"mine\"}").status())
        .isEqualTo(202);
    assertThat(http.call("PUT", "/api/v1/vault/secrets/gemini", key, "{\"value\":\"no\"}").status())
        .isEqualTo(403);
    assertThat(http.ok("GET", "/api/v1/members", key, null, 200).toString())
        .contains("\"email\":\"carol@example.com\",\"role\":\"member\"");
    ApiClient.Response again = http.call("POST", path, null, null);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().get("type").asText()).isEqualTo("/problems/invitation-used");
    assertThat(http.call("POST", "/api/v1/invitations/gpi_nope/accept", null, null).status())
        .isEqualTo(404);

    long expiresAt = System.currentTimeMillis() + 500;
    String late =
        http.ok(
                "POST",
                "/api/v1/invitations",
                FILE_TOKEN,
                "{\"email\":\"late@example.com\",\"role\":\"viewer\",\"expiresAt\":"
                    + expiresAt
                    + "}",
                201)
            .get("acceptPath")
            .asText();
    while (System.currentTimeMillis() <= expiresAt) {
      Thread.sleep(50); // waiting for the clock, not for the system under test
    }
    ApiClient.Response expired = http.call("POST", late, null, null);
    assertThat(expired.status()).isEqualTo(410);
    assertThat(expired.json().get("type").asText()).isEqualTo("/problems/invitation-expired");
  }

  /**
   * Every route a feature registers under /api is in the route table (else it would be refused to
   * everyone).
   */
  @Test
  void routeTable_coversEveryRegisteredApiRoute() throws Exception {
    Pattern registration =
        Pattern.compile("routes\\.(get|post|put|delete|patch)\\(\\s*\"(/api/[^\"]+)\"");
    Set<String> registered = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = registration.matcher(Files.readString(f));
        while (m.find()) {
          registered.add(m.group(1).toUpperCase() + " " + m.group(2));
        }
      }
    }
    assertThat(registered).hasSizeGreaterThan(20);
    Set<String> declared = new TreeSet<>(RoutePermissions.ROUTES.keySet());
    declared.addAll(RoutePermissions.PUBLIC);
    assertThat(declared).isEqualTo(registered);
  }
}
