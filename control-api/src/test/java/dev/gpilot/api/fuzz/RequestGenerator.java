package dev.gpilot.api.fuzz;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Random requests to every endpoint of the API: valid ones, valid ones mutated (bodies, ids, query
 * values, headers), and garbage the HTTP parser sees first. Seeded, so a run is repeatable.
 */
final class RequestGenerator {
  /** What the generator may name: the API's tokens and missions that exist. */
  record Known(
      String token,
      String otherToken,
      String runningMission,
      String finishedMission,
      String otherWorkspaceMission) {}

  static final List<String> VALID_MISSION_BODIES =
      List.of(
          "{\"mission\":\"Plan a product launch\"}",
          "{\"mission\":\"Audit the shop\",\"config\":{\"explicitAgents\":[\"agent-scout\",\"seo-analyst\"]}}",
          "{\"mission\":\"Diamond\",\"config\":{\"plan\":{\"steps\":["
              + "{\"id\":\"a\",\"agent\":\"agent-scout\",\"action\":\"research\",\"timeoutSeconds\":30,\"maxAttempts\":2},"
              + "{\"id\":\"b\",\"agent\":\"seo-analyst\",\"dependsOn\":[\"a\"],"
              + "\"condition\":\"steps.a.status == 'SUCCEEDED'\",\"parameters\":{\"k\":[1,2]}}]},"
              + "\"execution\":\"sequential\",\"params\":{\"budget\":3},\"deadlineSeconds\":600,"
              + "\"failurePolicy\":\"continue\"}}",
          "{\"mission\":\"Overseen\",\"config\":{\"planner\":\"overseer\",\"explicitAgents\":[\"agent-scout\"]}}");
  static final String VALID_SECRET_BODY = "{\"value\":\"AIzaSyFuzzFuzzFuzzFuzz\"}";
  private static final List<String> VALID_KEY_BODIES =
      List.of(
          "{\"name\":\"ci\",\"role\":\"viewer\"}",
          "{\"name\":\"ops\",\"role\":\"admin\",\"expiresAt\":\"2030-01-01T00:00:00Z\"}",
          "{\"name\":\"batch\",\"role\":\"member\",\"expiresAt\":1893456000000}");
  private static final List<String> VALID_WORKSPACE_BODIES =
      List.of("{\"name\":\"Fuzz Team\"}", "{\"name\":\"x\",\"workspaceId\":\"fuzz-ws\"}");
  private static final List<String> VALID_MEMBER_BODIES =
      List.of(
          "{\"email\":\"a@example.com\",\"role\":\"viewer\"}",
          "{\"email\":\"B@Example.com\",\"role\":\"owner\"}");

  private static final List<String> VALID_TRANSFER_BODIES =
      List.of("{\"email\":\"a@example.com\"}", "{\"email\":\"B@Example.com\"}");
  private static final List<String> MONTHS =
      List.of(
          "2026-12",
          "1970-01",
          "2106-01",
          "2106-02",
          "1969-12",
          "2026-13",
          "2026-00",
          "2026-1",
          "26-12",
          "2026-12-01",
          "",
          "+2026-12",
          "-0001-01",
          "٢٠٢٦-١٢",
          "99999-01",
          "2026/12",
          "%00",
          "2026-12%0A");
  private static final List<String> BAD_IDS =
      List.of(
          "nope",
          "..",
          ".",
          "%2e%2e",
          "..%2F..%2Fetc%2Fpasswd",
          "%2F",
          "a%2Fb",
          "%00",
          "%ZZ",
          "%",
          "%E3%83%9F",
          "%C0%AF",
          "%FF%FE",
          "ミッション",
          "%20",
          "a;x=1",
          "a%3Bb",
          "*",
          "~",
          "a%23b",
          "%2e",
          "a%3Fb=1",
          "\u202e\u0645",
          "00000000-0000-0000-0000-000000000000",
          "%0A",
          "%27",
          "%5C",
          "%22",
          "%27%20OR%201%3D1%20--",
          "%09",
          "%7F");
  private static final List<String> VAULT_NAMES =
      List.of("gemini", "shopify", "reddit", "social.fuzz", "social.a-b_c9");
  private static final List<String> BAD_VAULT_NAMES =
      List.of(
          "GEMINI",
          "social.",
          "social.-x",
          "social." + "a".repeat(64),
          "../gemini",
          "openai",
          "social.ü",
          "social%2Ex",
          "gemini%00",
          "%2e%2e");
  private static final List<String> INSTANTS =
      List.of(
          "2026-12-01T00:00:00Z",
          "2026-12-04T10:00:00+01:00",
          "+300000000-01-01T00:00:00Z",
          "-300000000-01-01T00:00:00Z",
          "1969-12-31T23:59:59Z",
          "1970-01-01T00:00:00Z",
          "2106-02-07T06:28:15Z",
          "2106-02-07T06:28:16Z",
          "+999999999-12-31T23:59:59.999999999Z",
          "-999999999-01-01T00:00:00Z",
          "2026-01-01T00:00:00+18:00",
          "2026-02-30T00:00:00Z",
          "yesterday",
          "",
          "1e999",
          "1764100000000",
          "2026-01-01T00:00:00.999999999Z",
          "2026-01-01",
          "2026-01-01T00:00:00");
  private static final List<String> NUMBERS =
      List.of(
          "0",
          "1",
          "5",
          "99",
          "1000",
          "1001",
          "-1",
          "9223372036854775807",
          "9223372036854775808",
          "2147483648",
          "1e3",
          "abc",
          " 3",
          "",
          "0x10",
          "٣",
          "1.5",
          "99999999999999999999999999");
  private static final List<String> FRAME_IDS =
      List.of(
          "0",
          "1:1",
          "5",
          "5:999",
          "99",
          "-1",
          "1:0",
          "1:-1",
          "x",
          "9223372036854775807:2147483647",
          "9223372036854775808",
          "1:2147483648",
          "",
          " 2 ",
          "1:",
          ":1",
          "1:1:1",
          "٣");

  private final Random random;
  private final Known known;
  private final JsonMutator mutator;
  private final List<Supplier<FuzzRequest>> endpoints;

  RequestGenerator(Random random, Known known) {
    this.random = random;
    this.known = known;
    this.mutator = new JsonMutator(random);
    this.endpoints =
        List.of(
            this::submitMission,
            this::submitMission,
            this::submitMission,
            this::submitBatch,
            this::submitBatch,
            () -> missionGet(getOrHead(), ""),
            () -> missionGet(getOrHead(), "/stream"),
            () -> missionGet(getOrHead(), "/events"),
            this::cancelMission,
            () -> simple("agents", "GET", "/api/v1/agents"),
            () -> simple("vault-list", "GET", "/api/v1/vault"),
            () -> simple("vault-rotations", "GET", "/api/v1/vault/rotations"),
            () -> simple("vault-rotate", "POST", "/api/v1/vault/rotate"),
            this::putSecret,
            this::putSecret,
            () -> secret("GET"),
            () -> secret("DELETE"),
            () -> analytics("/api/v1/analytics/agent-costs"),
            () -> analytics("/api/v1/analytics/cost-series"),
            () -> simple("health", "GET", "/health"),
            () -> json("key-create", "/api/v1/keys", VALID_KEY_BODIES),
            () -> json("workspace-create", "/api/v1/workspaces", VALID_WORKSPACE_BODIES),
            () -> json("member-add", "/api/v1/members", VALID_MEMBER_BODIES),
            () ->
                new FuzzRequest(
                    "key-revoke",
                    "DELETE",
                    "/api/v1/keys/"
                        + (random.nextBoolean()
                            ? "k_" + String.format("%016x", random.nextLong())
                            : pick(BAD_IDS)),
                    headers(false),
                    new byte[0],
                    null),
            () -> simple("keys", "GET", "/api/v1/keys"),
            () -> simple("workspaces", "GET", "/api/v1/workspaces"),
            () -> simple("members", "GET", "/api/v1/members"),
            () ->
                new FuzzRequest(
                    "member-remove",
                    "DELETE",
                    "/api/v1/members/"
                        + pick(
                            random.nextBoolean()
                                ? List.of("a@example.com", "B%40example.com", "b@example.com")
                                : BAD_IDS),
                    headers(false),
                    new byte[0],
                    null),
            // The fuzzer's workspaces are the tokens file's: a deletion of one is refused (409),
            // never done.
            () ->
                json(
                    "ownership-transfer",
                    "/api/v1/workspaces/" + pick(List.of("default", "other", "nope")) + "/transfer",
                    VALID_TRANSFER_BODIES),
            () ->
                new FuzzRequest(
                    "workspace-delete",
                    "DELETE",
                    "/api/v1/workspaces/"
                        + pick(random.nextBoolean() ? List.of("default", "other") : BAD_IDS),
                    headers(false),
                    new byte[0],
                    null),
            () ->
                new FuzzRequest(
                    "usage",
                    "GET",
                    "/api/v1/usage"
                        + query(
                            List.of("month", "format"),
                            List.of(MONTHS, List.of("csv", "json", "xml", ""))),
                    headers(false),
                    new byte[0],
                    null),
            this::unknownRoute,
            this::garbage);
  }

  FuzzRequest next() {
    return endpoints.get(random.nextInt(endpoints.size())).get();
  }

  // ---- endpoints

  private FuzzRequest submitMission() {
    List<Map.Entry<String, String>> headers = headers(true);
    if (random.nextInt(3) == 0) {
      headers.add(Map.entry("Idempotency-Key", idempotencyKey()));
    }
    Body body = body(VALID_MISSION_BODIES, 256 * 1024);
    return new FuzzRequest(
        "mission-submit:" + body.how(), "POST", "/api/v1/missions", headers, body.bytes(), null);
  }

  /**
   * A batch: lines that are valid requests, mutated ones (some with an idempotencyKey, valid or
   * not), blank lines; sometimes too many lines, too many bytes, no line at all, or random bytes;
   * odd content types and Accepts.
   */
  private FuzzRequest submitBatch() {
    List<Map.Entry<String, String>> headers = headers(false);
    int type = random.nextInt(10);
    headers.add(
        Map.entry(
            "Content-Type",
            type < 7
                ? "application/x-ndjson"
                : type == 7
                    ? "application/x-ndjson; charset=utf-8"
                    : pick(List.of("application/json", "text/plain", "", "x/y"))));
    if (random.nextInt(4) == 0) {
      headers.add(
          Map.entry(
              "Accept",
              pick(
                  List.of(
                      "application/json",
                      "application/x-ndjson",
                      "*/*",
                      "text/html",
                      "application/json;q=0.5, application/x-ndjson",
                      ",,"))));
    }
    if (random.nextInt(15) == 0) {
      headers.add(Map.entry("Idempotency-Key", idempotencyKey()));
    }
    int roll = random.nextInt(40);
    String how;
    byte[] body;
    if (roll == 0) {
      how = "too-many-lines";
      body = utf8("{\"mission\":\"m\"}\n".repeat(1001));
    } else if (roll == 1) {
      how = "over-8-mib";
      body = utf8(("{\"mission\":\"" + "x".repeat(200_000) + "\"}\n").repeat(42));
    } else if (roll == 2) {
      how = "random-bytes";
      body = randomBytes(1 + random.nextInt(3000));
    } else if (roll == 3) {
      how = "blank";
      body = utf8(pick(List.of("", "\n", " \r\n\t\n")));
    } else {
      how = "lines";
      StringBuilder lines = new StringBuilder();
      for (int i = 1 + random.nextInt(20); i > 0; i--) {
        String line =
            random.nextInt(3) == 0
                ? pick(VALID_MISSION_BODIES)
                : mutator.mutate(pick(VALID_MISSION_BODIES)).json().replace('\n', ' ');
        if (random.nextInt(4) == 0 && line.startsWith("{")) {
          line =
              "{\"idempotencyKey\":"
                  + pick(
                      List.of(
                          "\"" + idempotencyKey().replace("\"", "") + "\"",
                          "7",
                          "null",
                          "\"batch-" + random.nextInt(10) + "\""))
                  + ","
                  + line.substring(1);
        }
        lines.append(line).append(pick(List.of("\n", "\n", "\r\n", "\n\n")));
      }
      body = utf8(lines.toString());
    }
    return new FuzzRequest(
        "mission-batch:" + how, "POST", "/api/v1/missions/batch", headers, body, null);
  }

  private FuzzRequest missionGet(String method, String suffix) {
    List<Map.Entry<String, String>> headers = headers(false);
    String query = "";
    if (suffix.equals("/stream")) {
      if (random.nextBoolean()) {
        headers.add(Map.entry("Last-Event-ID", pick(FRAME_IDS)));
      }
      query =
          query(
              List.of("lastEventId", "active"),
              List.of(FRAME_IDS, List.of("true", "TRUE", "yes", "")));
    } else if (suffix.equals("/events")) {
      if (random.nextBoolean()) {
        headers.add(Map.entry("Last-Event-ID", pick(NUMBERS)));
      }
      headers.add(
          Map.entry(
              "Accept",
              pick(
                  List.of(
                      "application/x-ndjson",
                      "*/*",
                      "application/*",
                      "text/html",
                      "application/x-ndjson;q=0",
                      ";;;,,,",
                      "application/json, application/x-ndjson",
                      ""))));
      query = query(List.of("after"), List.of(NUMBERS));
    }
    return new FuzzRequest(
        "mission" + (suffix.isEmpty() ? "-get" : suffix.replace('/', '-')),
        method,
        "/api/v1/missions/" + missionId() + suffix + query,
        headers,
        new byte[0],
        null);
  }

  private FuzzRequest cancelMission() {
    byte[] body = random.nextInt(4) == 0 ? randomBytes(200) : new byte[0];
    return new FuzzRequest(
        "mission-cancel",
        "POST",
        "/api/v1/missions/" + missionId() + "/cancel",
        headers(true),
        body,
        null);
  }

  private FuzzRequest putSecret() {
    Body body = body(List.of(VALID_SECRET_BODY), 64 * 1024);
    return new FuzzRequest(
        "vault-put:" + body.how(),
        "PUT",
        "/api/v1/vault/secrets/" + vaultName(),
        headers(true),
        body.bytes(),
        null);
  }

  private FuzzRequest secret(String method) {
    return new FuzzRequest(
        "vault-" + method.toLowerCase(),
        method,
        "/api/v1/vault/secrets/" + vaultName(),
        headers(false),
        new byte[0],
        null);
  }

  private FuzzRequest analytics(String path) {
    List<Map.Entry<String, String>> headers = headers(false);
    if (random.nextInt(3) == 0) {
      headers.add(
          Map.entry("Accept", pick(List.of("text/csv", "application/json", "text/html", "*/*"))));
    }
    String query =
        query(
            List.of("from", "to", "bucket", "top", "agent", "model", "format"),
            List.of(
                INSTANTS,
                INSTANTS,
                List.of("1m", "1h", "1d", "5m", "", "1M", " 1h"),
                NUMBERS,
                List.of("agent-scout", "x' OR 1=1", "Agent", "(other)", "a".repeat(70), ""),
                List.of("gemini-2.5-flash", "'", "\\", "%00", "m".repeat(250), ""),
                List.of("csv", "json", "xml", "")));
    return new FuzzRequest(
        "analytics" + path.substring(path.lastIndexOf('/')).replace('/', '-'),
        "GET",
        path + query,
        headers,
        new byte[0],
        null);
  }

  private FuzzRequest json(String kind, String path, List<String> valid) {
    Body body = body(valid, 16 * 1024);
    return new FuzzRequest(
        kind + ":" + body.how(), "POST", path, headers(true), body.bytes(), null);
  }

  private FuzzRequest simple(String kind, String method, String path) {
    byte[] body = method.equals("POST") && random.nextInt(3) == 0 ? randomBytes(300) : new byte[0];
    String query =
        random.nextInt(4) == 0
            ? "?" + encode(pick(JsonMutator.EXOTIC)) + "=" + encode(pick(NUMBERS))
            : "";
    return new FuzzRequest(kind, method, path + query, headers(body.length > 0), body, null);
  }

  /** A method or path no route has; a route with a method it does not take. */
  private FuzzRequest unknownRoute() {
    String method =
        pick(List.of("PATCH", "OPTIONS", "HEAD", "BREW", "DELETE", "PUT", "GET", "POST"));
    String path =
        pick(
            List.of(
                "/api/v1/missions",
                "/api/v1/missions/" + known.runningMission(),
                "/api/v1/agents",
                "/api/v1/vault",
                "/api/v1/vault/secrets",
                "/api/v1/analytics",
                "/api/v2/missions",
                "/",
                "/api",
                "/api/v1/missions/a/b/c",
                "/health/",
                "//api//v1//agents",
                "/api/v1/../v1/agents",
                "/api/v1/%2e%2e/agents",
                "/API/V1/AGENTS",
                "/api/v1/agents;x=1",
                "/api/v1/vault/secrets/gemini/extra"));
    return new FuzzRequest("unknown-route", method, path, headers(false), new byte[0], null);
  }

  /**
   * What the HTTP parser sees before any route: broken request lines, header blocks and framing.
   */
  private FuzzRequest garbage() {
    String agents = "/api/v1/agents";
    String auth = "Authorization: Bearer " + known.token() + "\r\n";
    List<Supplier<FuzzRequest>> kinds =
        List.of(
            () -> raw("random-bytes", randomBytes(1 + random.nextInt(2000))),
            () -> raw("bare-method", "GET\r\n\r\n"),
            () -> raw("http-9.9", "GET " + agents + " HTTP/9.9\r\nHost: x\r\n" + auth + "\r\n"),
            () -> raw("http-1.0", "GET " + agents + " HTTP/1.0\r\n" + auth + "\r\n"),
            () ->
                raw(
                    "no-host",
                    "GET " + agents + " HTTP/1.1\r\nConnection: close\r\n" + auth + "\r\n"),
            () ->
                raw(
                    "absolute-target",
                    "GET http://elsewhere.example"
                        + agents
                        + " HTTP/1.1\r\nHost: x\r\n"
                        + "Connection: close\r\n"
                        + auth
                        + "\r\n"),
            () ->
                raw(
                    "long-method",
                    "X".repeat(10_000) + " / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            () ->
                raw(
                    "long-uri",
                    "GET /api/v1/missions/"
                        + "a".repeat(List.of(9_000, 70_000).get(random.nextInt(2)))
                        + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + auth
                        + "\r\n"),
            () ->
                raw(
                    "space-in-target",
                    "GET /api/v1/missions/a b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + auth
                        + "\r\n"),
            () ->
                raw(
                    "two-content-lengths",
                    "POST /api/v1/missions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + auth
                        + "Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"),
            () ->
                raw(
                    "bad-content-length",
                    "POST /api/v1/missions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + auth
                        + "Content-Length: "
                        + pick(List.of("-1", "abc", "99999999999999999999", "1 1"))
                        + "\r\n\r\n{}"),
            () ->
                raw(
                    "bad-chunk",
                    "POST /api/v1/missions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + auth
                        + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
            () ->
                raw(
                    "chunked-body",
                    "POST /api/v1/missions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + auth
                        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "b\r\n{\"mission\":\r\n9\r\n\"chunked\"\r\n1\r\n}\r\n0\r\n\r\n"),
            () ->
                raw(
                    "expect-continue",
                    "POST /api/v1/missions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + auth
                        + "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}"),
            () ->
                raw(
                    "header-without-colon",
                    "GET "
                        + agents
                        + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + "NoColonHere\r\n"
                        + auth
                        + "\r\n"),
            () ->
                raw(
                    "header-name-with-space",
                    "GET "
                        + agents
                        + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + "Bad Header: x\r\n"
                        + auth
                        + "\r\n"),
            () ->
                raw(
                    "header-nul",
                    "GET "
                        + agents
                        + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-A: a\u0000b\r\n"
                        + auth
                        + "\r\n"),
            () ->
                raw(
                    "obsolete-line-folding",
                    "GET "
                        + agents
                        + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + "X-A: a\r\n  folded\r\n"
                        + auth
                        + "\r\n"),
            () ->
                raw(
                    "lf-only",
                    "GET "
                        + agents
                        + " HTTP/1.1\nHost: x\nConnection: close\n"
                        + auth.trim()
                        + "\n\n"),
            () -> {
              FuzzRequest r = simple("huge-header", "GET", agents);
              r.headers()
                  .add(
                      Map.entry(
                          "X-Fuzz",
                          "a".repeat(List.of(9_000, 70_000, 300_000).get(random.nextInt(3)))));
              return r;
            },
            () -> {
              FuzzRequest r = simple("many-headers", "GET", agents);
              for (int i = 0; i < 2000; i++) {
                r.headers().add(Map.entry("X-H" + i, "v" + i));
              }
              return r;
            });
    return kinds.get(random.nextInt(kinds.size())).get();
  }

  // ---- parts

  private record Body(String how, byte[] bytes) {}

  /** A valid body, a mutated one, or junk: random bytes, deep nesting, too big, empty. */
  private Body body(List<String> valid, int limit) {
    String base = pick(valid);
    int roll = random.nextInt(20);
    if (roll < 4) {
      return new Body("valid", utf8(base));
    }
    if (roll < 15) {
      JsonMutator.Mutated mutated = mutator.mutate(base);
      return new Body("mutated-" + mutated.how(), utf8(mutated.json()));
    }
    return switch (roll) {
      case 15 -> new Body("random-bytes", randomBytes(1 + random.nextInt(3000)));
      case 16 -> new Body("nested-arrays", utf8("[".repeat(Math.min(100_000, limit - 1))));
      case 17 ->
          new Body("nested-objects", utf8("{\"a\":".repeat(Math.min(20_000, limit / 5 - 1)) + "1"));
      case 18 -> new Body("over-limit", utf8("{\"mission\":\"" + "x".repeat(limit) + "\"}"));
      default -> new Body("empty", new byte[0]);
    };
  }

  /**
   * Headers of an ordinary request: mostly a valid token, sometimes a bad one, odd content types
   * and values.
   */
  private List<Map.Entry<String, String>> headers(boolean withBody) {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    int auth = random.nextInt(20);
    if (auth < 16) {
      headers.add(Map.entry("Authorization", "Bearer " + known.token()));
    } else if (auth == 16) {
      headers.add(Map.entry("Authorization", "Bearer " + known.otherToken()));
    } else if (auth == 17) {
      headers.add(
          Map.entry(
              "Authorization",
              pick(
                  List.of(
                      "Bearer",
                      "Bearer nope",
                      "Basic YTpi",
                      "bearer  " + known.token(),
                      "Bearer " + "t".repeat(5000),
                      "Bearer ключ",
                      "Bearer " + known.token() + " extra"))));
    } // else: none
    if (withBody && random.nextInt(5) > 0) {
      headers.add(
          Map.entry(
              "Content-Type",
              pick(
                  List.of(
                      "application/json",
                      "application/json; charset=utf-8",
                      "text/plain",
                      "application/x-www-form-urlencoded",
                      "multipart/form-data; boundary=x",
                      "application/json; charset=utf-16",
                      "garbage",
                      "application/problem+json",
                      "*/*",
                      ""))));
    }
    if (random.nextInt(10) == 0) {
      headers.add(
          Map.entry(
              pick(List.of("Accept", "Accept-Encoding", "X-Forwarded-For", "Origin", "Cookie")),
              pick(JsonMutator.EXOTIC.subList(4, JsonMutator.EXOTIC.size()))));
    }
    return headers;
  }

  /**
   * A query string from some of the given parameters, each with a value from its list; sometimes
   * left raw.
   */
  private String query(List<String> names, List<List<String>> values) {
    List<String> pairs = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      if (random.nextInt(3) == 0) {
        String value = random.nextInt(25) == 0 ? "v".repeat(20_000) : pick(values.get(i));
        pairs.add(names.get(i) + "=" + (random.nextInt(10) == 0 ? value : encode(value)));
      }
    }
    if (random.nextInt(10) == 0 && !pairs.isEmpty()) {
      pairs.add(pairs.get(0)); // a repeated parameter
    }
    return pairs.isEmpty() ? "" : "?" + String.join("&", pairs);
  }

  private String getOrHead() {
    return random.nextInt(10) == 0 ? "HEAD" : "GET";
  }

  private String missionId() {
    int roll = random.nextInt(10);
    if (roll < 2) {
      return known.runningMission();
    } else if (roll < 4) {
      return known.finishedMission();
    } else if (roll < 5) {
      return known.otherWorkspaceMission();
    } else if (roll < 6) {
      return "m".repeat(List.of(300, 5_000).get(random.nextInt(2)));
    }
    return pick(BAD_IDS);
  }

  private String vaultName() {
    return random.nextInt(3) > 0 ? pick(VAULT_NAMES) : pick(BAD_VAULT_NAMES);
  }

  private String idempotencyKey() {
    return pick(
        List.of(
            "key-" + random.nextInt(20),
            "",
            "k".repeat(256),
            "ключ",
            "a b",
            "\t",
            "k".repeat(10_000),
            "key-" + random.nextInt(20)));
  }

  private FuzzRequest raw(String kind, String request) {
    return raw(kind, request.getBytes(StandardCharsets.UTF_8));
  }

  private FuzzRequest raw(String kind, byte[] request) {
    return new FuzzRequest("garbage:" + kind, "?", "?", new ArrayList<>(), new byte[0], request);
  }

  private byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  private <T> T pick(List<T> values) {
    return values.get(random.nextInt(values.size()));
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
