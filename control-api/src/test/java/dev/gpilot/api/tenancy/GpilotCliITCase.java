package dev.gpilot.api.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.ApiServer;
import dev.gpilot.contracts.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The "done when", through the real {@code ./gpilot} script against a real API: a second
 * workspace and a Viewer key made with the CLI; the Viewer reads and streams but gets 403 on
 * submit, cancel and vault writes; a key revoked with the CLI fails on the next request.
 */
class GpilotCliITCase {
  private static final String FILE_TOKEN = "gp_dev_cli-" + Long.toHexString(System.nanoTime());
  private static final Path SCRIPT = Path.of("..", "gpilot").toAbsolutePath().normalize();

  @RegisterExtension
  static final ApiServer API =
      ApiServer.builder()
          .token(FILE_TOKEN, new Principal("default", "dev"))
          .tenancyAtHome()
          .build();

  private static Path home;
  private static ControlApi api;
  private static ApiClient http;

  @BeforeAll
  static void start() throws Exception {
    home = API.home();
    api = API.api();
    http = new ApiClient(api.port(), null);
    // What `up` leaves: the bootstrap token in $GPILOT_HOME/token.
    Files.writeString(home.resolve("token"), FILE_TOKEN);
  }

  private record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return Json.mapper().readTree(out);
    }
  }

  /**
   * Runs {@code ./gpilot args...} as a person would, with the token of {@code .gpilot/token} or
   * GPILOT_TOKEN.
   */
  private static Run gpilot(String token, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("GPILOT_HOME", home.toString());
    builder.environment().put("GPILOT_API_PORT", String.valueOf(api.port()));
    if (token != null) {
      builder.environment().put("GPILOT_TOKEN", token);
    } else {
      builder.environment().remove("GPILOT_TOKEN");
    }
    Path out = Files.createTempFile(home, "out", ".txt");
    Path err = Files.createTempFile(home, "err", ".txt");
    Process p = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(1, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("./gpilot " + String.join(" ", args) + " did not exit");
    }
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8).strip(),
        Files.readString(err, StandardCharsets.UTF_8).strip());
  }

  @Test
  void secondWorkspace_andViewerKey_madeWithTheCli() throws Exception {
    Run created = gpilot(null, "workspace", "create", "Second Team");
    assertThat(created.exit()).as(created.toString()).isZero();
    assertThat(created.json().get("workspaceId").asText()).isEqualTo("second-team");
    assertThat(created.err()).contains("shown once");
    String ownerKey = created.json().get("ownerKey").get("key").asText();

    Run list = gpilot(null, "workspace", "list");
    assertThat(list.exit()).isZero();
    assertThat(
            StreamSupport.stream(list.json().get("workspaces").spliterator(), false)
                .map(w -> w.get("workspaceId").asText()))
        .containsExactly("default", "second-team");

    Run viewer = gpilot(ownerKey, "key", "create", "reader", "viewer");
    assertThat(viewer.exit()).as(viewer.toString()).isZero();
    assertThat(viewer.json().get("workspaceId").asText()).isEqualTo("second-team");
    String viewerKey = viewer.json().get("key").asText();
    String viewerKeyId = viewer.json().get("keyId").asText();

    // The Viewer reads and streams; submit, cancel and vault writes are 403.
    String mission =
        http.ok("POST", "/api/v1/missions", ownerKey, "{\"mission\":\"m\"}", 202)
            .get("missionId")
            .asText();
    assertThat(http.call("GET", "/api/v1/missions/" + mission, viewerKey, null).status())
        .isEqualTo(200);
    assertThat(
            http.open("GET", "/api/v1/missions/" + mission + "/events", viewerKey, null, null)
                .status())
        .isEqualTo(200);
    assertThat(
            http.open("GET", "/api/v1/missions/" + mission + "/stream", viewerKey, null, null)
                .status())
        .isEqualTo(200);
    for (ApiClient.Response refused :
        List.of(
            http.call("POST", "/api/v1/missions", viewerKey, "{\"mission\":\"no\"}"),
            http.call("POST", "/api/v1/missions/" + mission + "/cancel", viewerKey, null),
            http.call("PUT", "/api/v1/vault/secrets/gemini", viewerKey, "{\"value\":\"no\"}"))) {
      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.json().get("type").asText()).isEqualTo("/problems/forbidden");
    }
    // A Viewer cannot use the CLI to make keys: the API's problem, on stderr, exit 1.
    Run refused = gpilot(viewerKey, "key", "create", "more", "viewer");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("403").contains("/problems/forbidden");

    Run keys = gpilot(ownerKey, "key", "list");
    assertThat(keys.out()).contains(viewerKeyId).doesNotContain(viewerKey);

    Run revoked = gpilot(ownerKey, "key", "revoke", viewerKeyId);
    assertThat(revoked.exit()).as(revoked.toString()).isZero();
    assertThat(http.call("GET", "/api/v1/missions/" + mission, viewerKey, null).status())
        .isEqualTo(401);
  }

  @Test
  void memberRemove_transfer_andWorkspaceDelete_withTheCli() throws Exception {
    // Made by a key of its own, so that the file token's workspace list (the test above) does not
    // show it.
    String creator =
        http.ok("POST", "/api/v1/keys", FILE_TOKEN, "{\"name\":\"c\",\"role\":\"owner\"}", 201)
            .get("key")
            .asText();
    String owner =
        http.ok(
                "POST",
                "/api/v1/workspaces",
                creator,
                "{\"name\":\"Third\",\"workspaceId\":\"third\"}",
                201)
            .get("ownerKey")
            .get("key")
            .asText();
    http.ok(
        "POST",
        "/api/v1/members",
        owner,
        "{\"email\":\"bob@example.com\",\"role\":\"admin\"}",
        201);
    http.ok(
        "POST",
        "/api/v1/members",
        owner,
        "{\"email\":\"eve@example.com\",\"role\":\"viewer\"}",
        201);

    Run removed = gpilot(owner, "member", "remove", "eve@example.com");
    assertThat(removed.exit()).as(removed.toString()).isZero();
    assertThat(gpilot(owner, "member", "list").out())
        .contains("bob@example.com")
        .doesNotContain("eve@example.com");
    Run again = gpilot(owner, "member", "remove", "eve@example.com");
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("404");

    Run transferred = gpilot(owner, "workspace", "transfer", "third", "bob@example.com");
    assertThat(transferred.exit()).as(transferred.toString()).isZero();
    assertThat(transferred.json().get("owner").asText()).isEqualTo("bob@example.com");

    Run protectedOne = gpilot(null, "workspace", "delete", "default");
    assertThat(protectedOne.exit()).isEqualTo(1);
    assertThat(protectedOne.err()).contains("409").contains("workspace-protected");
    Run deleted = gpilot(owner, "workspace", "delete", "third");
    assertThat(deleted.exit()).as(deleted.toString()).isZero();
    assertThat(http.call("GET", "/api/v1/members", owner, null).status()).isEqualTo(401);

    // No ClickHouse behind this API: a bad month is refused before that matters.
    Run badMonth = gpilot(null, "usage", "2026-13");
    assertThat(badMonth.exit()).isEqualTo(1);
    assertThat(badMonth.err()).contains("400").contains("month");
  }

  @Test
  void badUse_exitsWithUsage_orTheApisProblem() throws Exception {
    assertThat(gpilot(null, "key", "create").exit()).isEqualTo(1);
    Run badRole = gpilot(null, "key", "create", "x", "root");
    assertThat(badRole.exit()).isEqualTo(1);
    assertThat(badRole.err()).contains("400").contains("role");
    assertThat(gpilot("gp_k_0000000000000000_nope", "workspace", "list").err()).contains("401");
  }

  @Test
  void budgets_setListAndDelete_withTheCli_andAViewerCannotSetOne() throws Exception {
    Run set =
        gpilot(
            null,
            "budget",
            "set",
            "cli-monthly",
            "5000000",
            "month",
            "hard",
            "--reset-day",
            "15",
            "--agent",
            "agent-scout",
            "--rollover");
    assertThat(set.exit()).as(set.toString()).isZero();
    JsonNode b = set.json();
    assertThat(b.get("budgetId").asText()).isEqualTo("cli-monthly");
    assertThat(b.get("limitMicros").asLong()).isEqualTo(5_000_000);
    assertThat(b.get("period").asText()).isEqualTo("month");
    assertThat(b.get("resetDay").asInt()).isEqualTo(15);
    assertThat(b.get("rollover").asBoolean()).isTrue();
    assertThat(b.get("agent").asText()).isEqualTo("agent-scout");
    assertThat(b.get("spentMicros").asLong()).isZero();

    Run list = gpilot(null, "budget", "list");
    assertThat(list.exit()).isZero();
    assertThat(list.json().get("budgets").findValuesAsText("budgetId")).contains("cli-monthly");

    Run bad = gpilot(null, "budget", "set", "cli-bad", "100", "fortnight", "hard");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).contains("400").contains("period");

    String viewer =
        gpilot(null, "key", "create", "budget-reader", "viewer").json().get("key").asText();
    Run refused = gpilot(viewer, "budget", "set", "cli-viewer", "100", "day", "soft");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("403").contains("/problems/forbidden");
    assertThat(gpilot(viewer, "budget", "list").exit()).isZero();

    assertThat(gpilot(null, "budget", "delete", "cli-monthly").exit()).isZero();
    assertThat(gpilot(null, "budget", "list").json().get("budgets").findValuesAsText("budgetId"))
        .doesNotContain("cli-monthly");
  }
}
