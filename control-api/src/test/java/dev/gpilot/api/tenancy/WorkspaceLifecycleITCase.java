package dev.gpilot.api.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.Schemas;
import dev.gpilot.testing.TopicContents;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Removing members, transferring ownership and deleting a workspace, over HTTP on two API instances
 * sharing a broker: who may, the last owner kept, the tokens file's workspace kept, every key of a
 * deleted workspace 401 on both instances, its id never given again, and each change audited in its
 * transaction, without secrets.
 */
class WorkspaceLifecycleITCase {
  private static final String FILE_TOKEN = "file-token";

  @RegisterExtension
  static final TwoApis APIS =
      new TwoApis(
          "workspace-lifecycle",
          Map.of(FILE_TOKEN, new Principal("default", "ops")),
          UnaryOperator.identity());

  private static final KafkaTestBroker KAFKA = APIS.kafka();
  private static final ApiClient one = APIS.one;
  private static final ApiClient two = APIS.two;
  private static final List<String> SECRETS = new ArrayList<>();

  private static String key(JsonNode created) {
    String key = created.get("key").asText();
    SECRETS.add(key);
    return key;
  }

  /** A new workspace, made with the tokens file's token: its owner key. */
  private static String newWorkspace(String name, String workspaceId) throws Exception {
    return key(
        one.ok(
                "POST",
                "/api/v1/workspaces",
                FILE_TOKEN,
                "{\"name\":\"" + name + "\",\"workspaceId\":\"" + workspaceId + "\"}",
                201)
            .get("ownerKey"));
  }

  /** A new key of {@code owner}'s workspace, made through {@code api}. */
  private static String newKey(ApiClient api, String owner, String name, String role)
      throws Exception {
    return key(
        api.ok(
            "POST",
            "/api/v1/keys",
            owner,
            "{\"name\":\"" + name + "\",\"role\":\"" + role + "\"}",
            201));
  }

  /**
   * Until the second instance answers {@code status} to {@code key} (once its feed has read what
   * the first did with the key).
   */
  private static void awaitOnTwo(String key, int status, Duration atMost) {
    await()
        .atMost(atMost)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(two.call("GET", "/api/v1/agents", key, null).status())
                    .isEqualTo(status));
  }

  private static JsonNode members(String token) throws Exception {
    return one.ok("GET", "/api/v1/members", token, null, 200).get("members");
  }

  private static List<AuditEvent> audit(String workspaceId) {
    JsonCodec<AuditEvent> codec = JsonCodec.of(AuditEvent.class);
    return TopicContents.read(KAFKA.bootstrapServers(), Topics.AUDIT).stream()
        .map(r -> codec.decode(r.value()))
        .filter(e -> e.workspaceId().equals(workspaceId))
        .toList();
  }

  @Test
  void membersAndOwnership_lastOwnerKept_removedMembersKeysRevoked() throws Exception {
    String owner = newWorkspace("Team", "team");
    String admin = newKey(one, owner, "adm", "admin");
    one.ok(
        "POST",
        "/api/v1/members",
        owner,
        "{\"email\":\"alice@example.com\",\"role\":\"owner\"}",
        201);
    one.ok(
        "POST",
        "/api/v1/members",
        owner,
        "{\"email\":\"bob@example.com\",\"role\":\"admin\"}",
        201);
    String accept =
        one.ok(
                "POST",
                "/api/v1/invitations",
                admin,
                "{\"email\":\"carol@example.com\",\"role\":\"member\"}",
                201)
            .get("acceptPath")
            .asText();
    String carol = key(one.ok("POST", accept, null, null, 201).get("key"));
    // The other instance knows the key once its feed has read it (SPEC §11: well under a second).
    awaitOnTwo(carol, 200, Duration.ofSeconds(30));

    // Carol leaves: her membership ends and the key she got with it stops working on both
    // instances.
    one.ok("DELETE", "/api/v1/members/Carol@Example.com", admin, null, 204);
    assertThat(one.call("GET", "/api/v1/agents", carol, null).status()).isEqualTo(401);
    awaitOnTwo(carol, 401, Duration.ofSeconds(10));
    assertThat(members(owner).toString()).doesNotContain("carol@example.com");
    assertThat(one.call("DELETE", "/api/v1/members/carol@example.com", admin, null).status())
        .isEqualTo(404);
    assertThat(one.call("DELETE", "/api/v1/members/not-an-email", admin, null).status())
        .isEqualTo(404);

    // Owners: an admin may not remove one; the last one cannot be removed.
    ApiClient.Response byAdmin =
        one.call("DELETE", "/api/v1/members/alice@example.com", admin, null);
    assertThat(byAdmin.status()).isEqualTo(403);
    assertThat(byAdmin.json().get("type").asText()).isEqualTo("/problems/forbidden");
    ApiClient.Response last = one.call("DELETE", "/api/v1/members/alice@example.com", owner, null);
    assertThat(last.status()).isEqualTo(409);
    assertThat(last.json().get("type").asText()).isEqualTo("/problems/last-owner");

    // Ownership moves to bob; alice becomes admin and may then be removed; bob is now the last
    // owner.
    assertThat(
            one.call(
                    "POST",
                    "/api/v1/workspaces/team/transfer",
                    admin,
                    "{\"email\":\"bob@example.com\"}")
                .status())
        .isEqualTo(403);
    JsonNode moved =
        one.ok(
            "POST",
            "/api/v1/workspaces/team/transfer",
            owner,
            "{\"email\":\"bob@example.com\"}",
            200);
    assertThat(moved.get("owner").asText()).isEqualTo("bob@example.com");
    assertThat(moved.get("demoted").toString()).isEqualTo("[\"alice@example.com\"]");
    assertThat(members(owner).toString())
        .contains("{\"email\":\"alice@example.com\",\"role\":\"admin\"")
        .contains("{\"email\":\"bob@example.com\",\"role\":\"owner\"");
    one.ok("DELETE", "/api/v1/members/alice@example.com", admin, null, 204);
    assertThat(one.call("DELETE", "/api/v1/members/bob@example.com", owner, null).status())
        .isEqualTo(409);
    assertThat(
            one.call(
                    "POST",
                    "/api/v1/workspaces/default/transfer",
                    owner,
                    "{\"email\":\"bob@example.com\"}")
                .status())
        .isEqualTo(404);
    assertThat(
            one.call(
                    "POST",
                    "/api/v1/workspaces/team/transfer",
                    owner,
                    "{\"email\":\"nobody@example.com\"}")
                .status())
        .isEqualTo(404);
    for (String body :
        List.of(
            "", "{}", "{\"email\":\"x\"}", "{\"email\":\"b@example.com\",\"role\":\"owner\"}")) {
      ApiClient.Response bad = one.call("POST", "/api/v1/workspaces/team/transfer", owner, body);
      assertThat(bad.status()).as(body).isEqualTo(400);
      assertThat(bad.contentType()).startsWith("application/problem+json");
    }

    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              List<AuditEvent> events = audit("team");
              assertThat(events)
                  .filteredOn(e -> e.action().equals(AuditEvent.MEMBER_REMOVE))
                  .extracting(AuditEvent::target)
                  .containsExactly(
                      "member:carol@example.com role=member",
                      "member:alice@example.com role=admin");
              assertThat(events)
                  .filteredOn(e -> e.action().equals(AuditEvent.OWNERSHIP_TRANSFER))
                  .extracting(AuditEvent::target)
                  .containsExactlyInAnyOrder(
                      "member:bob@example.com role=owner", "member:alice@example.com role=admin");
              assertThat(events)
                  .filteredOn(e -> e.action().equals(AuditEvent.KEY_REVOKE))
                  .hasSize(1);
              assertThat(events)
                  .filteredOn(
                      e ->
                          List.of(
                                  AuditEvent.MEMBER_REMOVE,
                                  AuditEvent.OWNERSHIP_TRANSFER,
                                  AuditEvent.KEY_REVOKE)
                              .contains(e.action()))
                  .hasSize(5)
                  .allSatisfy(
                      e -> {
                        assertThat(e.actor())
                            .startsWith("key:"); // who: the owner's or the admin's key
                        assertThat(e.ts()).isPositive();
                        assertThat(e.source()).isEqualTo("api");
                      });
            });
  }

  @Test
  void deletingAWorkspace_revokesEveryKeyOnEveryInstance_keepsItsId_andTheTokensFilesOneCannotBe()
      throws Exception {
    ApiClient.Response protectedOne =
        one.call("DELETE", "/api/v1/workspaces/default", FILE_TOKEN, null);
    assertThat(protectedOne.status()).isEqualTo(409);
    assertThat(protectedOne.json().get("type").asText()).isEqualTo("/problems/workspace-protected");

    String owner = newWorkspace("Doomed", "doomed");
    String admin = newKey(one, owner, "adm", "admin");
    // The owner key was made through the first instance: the second knows it once its feed has read
    // it.
    awaitOnTwo(owner, 200, Duration.ofSeconds(30));
    String viewer = newKey(two, owner, "v", "viewer");
    String mission =
        one.ok("POST", "/api/v1/missions", owner, "{\"mission\":\"history\"}", 202)
            .get("missionId")
            .asText();
    assertThat(one.call("DELETE", "/api/v1/workspaces/doomed", admin, null).status())
        .isEqualTo(403);
    assertThat(one.call("DELETE", "/api/v1/workspaces/default", owner, null).status())
        .isEqualTo(404);
    assertThat(one.ok("GET", "/api/v1/workspaces", FILE_TOKEN, null, 200).toString())
        .contains("\"doomed\"");

    one.ok("DELETE", "/api/v1/workspaces/doomed", owner, null, 204);
    for (String k : List.of(owner, admin, viewer)) {
      ApiClient.Response refused = one.call("GET", "/api/v1/missions/" + mission, k, null);
      assertThat(refused.status()).isEqualTo(401);
      assertThat(refused.contentType()).startsWith("application/problem+json");
      awaitOnTwo(k, 401, Duration.ofSeconds(10));
    }
    ApiClient.Response again =
        one.call(
            "POST",
            "/api/v1/workspaces",
            FILE_TOKEN,
            "{\"name\":\"Doomed again\",\"workspaceId\":\"doomed\"}");
    assertThat(again.status()).isEqualTo(409);
    assertThat(one.ok("GET", "/api/v1/workspaces", FILE_TOKEN, null, 200).toString())
        .doesNotContain("\"doomed\"");

    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              List<AuditEvent> events = audit("doomed");
              assertThat(events)
                  .filteredOn(e -> e.action().equals(AuditEvent.WORKSPACE_DELETE))
                  .singleElement()
                  .satisfies(
                      e -> {
                        assertThat(e.target()).isEqualTo("workspace:doomed");
                        assertThat(e.actor()).startsWith("key:");
                      });
              assertThat(events)
                  .filteredOn(e -> e.action().equals(AuditEvent.KEY_REVOKE))
                  .hasSize(3);
            });
    for (ConsumerRecord<byte[], byte[]> r :
        TopicContents.read(KAFKA.bootstrapServers(), Topics.AUDIT)) {
      assertThat(Schemas.problems("audit-event.v1", Json.mapper().readTree(r.value())))
          .as(new String(r.value(), StandardCharsets.UTF_8))
          .isEmpty();
    }
    for (String topic : List.of(Topics.AUDIT, Topics.CONTROL_PLANE)) {
      for (ConsumerRecord<byte[], byte[]> r : TopicContents.read(KAFKA.bootstrapServers(), topic)) {
        String text = r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
        for (String secret : SECRETS) {
          assertThat(text)
              .doesNotContain(secret)
              .doesNotContain(secret.substring("gp_k_0123456789abcdef_".length()));
        }
      }
    }
  }
}
