package dev.gpilot.api.vault;

import static dev.gpilot.api.testing.StoredRows.awaitRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.api.testing.VaultResolvers;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.vault.VaultException;
import dev.gpilot.contracts.vault.VaultRecord;
import dev.gpilot.jobs.LocalMissionJob;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.jobs.vault.KeyRequest;
import dev.gpilot.jobs.vault.ResolvedKey;
import dev.gpilot.jobs.vault.VaultKeyResolver;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.Schemas;
import dev.gpilot.testing.TopicOffsets;
import dev.gpilot.vault.MasterKeyProvider;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vault on real parts: two API instances sharing one Kafka broker and master keyset, the
 * MissionJob on a MiniCluster copying audit events into ClickHouse, and the job-side key resolver.
 * Each test uses its own workspace.
 */
class VaultApiITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static final Logger LOG = LoggerFactory.getLogger(VaultApiITCase.class);
  private static final String DEPLOYMENT_KEY = "deployment-key-" + UUID.randomUUID();
  private static final List<String> WORKSPACES =
      List.of(
          "ws-put",
          "ws-bad",
          "ws-del",
          "ws-iso-a",
          "ws-iso-b",
          "ws-rot",
          "ws-conc",
          "ws-audit",
          "ws-scan",
          "ws-tamper",
          "ws-key",
          "ws-key-none",
          "ws-cp");

  private static Path home;
  private static VaultOptions vaultOptions;
  private static ControlApi api1;
  private static ControlApi api2;
  private static VaultHttp one;
  private static VaultHttp two;
  private static JobClient job;
  private static VaultKeyResolver resolver;

  /**
   * Until {@code assertion} holds, for at most 20 s (the other instance, the job and the topics
   * follow within that).
   */
  private static void eventually(ThrowingRunnable assertion) {
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(assertion);
  }

  private static String token(String ws) {
    return "token-" + ws;
  }

  @BeforeAll
  static void start() throws Exception {
    home = Files.createTempDirectory("vault-it");
    vaultOptions = VaultOptions.localKeyset(home.resolve("vault/master-keyset.json").toString());
    Map<String, Principal> tokens = new HashMap<>();
    WORKSPACES.forEach(ws -> tokens.put(token(ws), new Principal(ws, "alice@" + ws)));
    tokens.put("token-ws-rot-bob", new Principal("ws-rot", "bob@ws-rot"));
    TokenAuthenticator auth = TokenAuthenticator.of(tokens);
    // Both instances share the key-hash secret, as a deployment's do
    // (keyChanges_areAuditedInClickHouse...).
    dev.gpilot.api.tenancy.TenancyOptions tenancy =
        dev.gpilot.api.tenancy.TenancyOptions.of(home.resolve("auth/key-hash-secret"));
    ApiOptions apiOptions =
        new ApiOptions("127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 10_000, 2);
    api1 = new ControlApi(apiOptions, auth, vaultOptions, tenancy).start();
    api2 = new ControlApi(apiOptions, auth, vaultOptions, tenancy).start();
    one = new VaultHttp(api1.port());
    two = new VaultHttp(api2.port());
    MissionJobOptions jobOptions =
        MissionJobOptions.of(KAFKA.bootstrapServers(), CLICKHOUSE.url(), CLICKHOUSE.database());
    job =
        LocalMissionJob.start(
            jobOptions,
            LocalMissionJob.localConfiguration(
                Files.createTempDirectory("checkpoints"), 1, 0, 1000));
    resolver =
        VaultResolvers.onBroker(
            KAFKA.bootstrapServers(),
            new MasterKeyProvider(vaultOptions.keys(), false),
            DEPLOYMENT_KEY);
  }

  @AfterAll
  static void stop() throws Exception {
    if (resolver != null) {
      resolver.close();
    }
    for (ControlApi api : new ControlApi[] {api1, api2}) {
      if (api != null) {
        api.close();
      }
    }
    if (job != null) {
      job.cancel().get();
    }
  }

  @Test
  void put_answersOnceDurable_isVisibleAtOnceAndOnTheOtherInstance_andNeverEchoesTheValue()
      throws Exception {
    String ws = "ws-put";
    String value = "AIza-put-" + UUID.randomUUID();

    HttpResponse<String> created = one.putValue("gemini", value, token(ws));

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/vault/secrets/gemini");
    assertThat(created.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(created.body()).doesNotContain(value);
    JsonNode body = VaultHttp.json(created);
    assertThat(body.get("name").asText()).isEqualTo("gemini");
    assertThat(body.get("keyVersion").asInt()).isEqualTo(1);
    String fingerprint = body.get("fingerprint").asText();
    assertThat(fingerprint).matches("[0-9a-f]{16}");
    assertThat(body.has("value")).isFalse();

    // Read-your-write on the instance that wrote, at once; the other instance follows the topic.
    JsonNode listed = one.vault(token(ws));
    assertThat(listed.get("keyVersion").asInt()).isEqualTo(1);
    assertThat(listed.get("secrets"))
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.get("name").asText()).isEqualTo("gemini");
              assertThat(s.get("fingerprint").asText()).isEqualTo(fingerprint);
              assertThat(s.get("createdBy").asText()).isEqualTo("alice@ws-put");
            });
    eventually(
        () ->
            assertThat(two.vault(token(ws)).at("/secrets/0/fingerprint").asText())
                .isEqualTo(fingerprint));

    HttpResponse<String> replaced = two.putValue("gemini", value + "-v2", token(ws));
    assertThat(replaced.statusCode()).isEqualTo(200);
    JsonNode after = VaultHttp.json(replaced);
    assertThat(after.get("fingerprint").asText()).isNotEqualTo(fingerprint);
    assertThat(after.get("createdAt").asLong()).isEqualTo(body.get("createdAt").asLong());
    assertThat(after.get("updatedAt").asLong())
        .isGreaterThanOrEqualTo(body.get("updatedAt").asLong());
    eventually(
        () ->
            assertThat(one.get("/api/v1/vault/secrets/gemini", token(ws)).body())
                .contains(after.get("fingerprint").asText()));

    List<ConsumerRecord<String, String>> records = read(Topics.VAULT);
    List<ConsumerRecord<String, String>> mine =
        records.stream().filter(r -> r.key().equals(ws)).toList();
    assertThat(mine).hasSize(2);
    for (ConsumerRecord<String, String> r : mine) {
      assertThat(r.value()).doesNotContain(value);
      assertThat(Schemas.problems("vault-record.v1", Json.mapper().readTree(r.value()))).isEmpty();
    }
  }

  @Test
  void badNamesAndBodies_are400ProblemsThatQuoteNothing_andWriteNothing() throws Exception {
    String ws = "ws-bad";
    long before = endOffset(Topics.VAULT);
    String secretish = "sk-live-" + UUID.randomUUID();
    Map<String, String> badNames = new LinkedHashMap<>();
    for (String name :
        List.of(
            "openai",
            "Gemini",
            "social.",
            "social.Big",
            "social.a%20b",
            "gemini.x",
            "social.-x",
            "social." + "a".repeat(64))) {
      badNames.put(name, "{\"value\":\"x\"}");
    }
    for (Map.Entry<String, String> c : badNames.entrySet()) {
      HttpResponse<String> r = one.put(c.getKey(), c.getValue(), token(ws));
      assertThat(r.statusCode()).as(c.getKey()).isEqualTo(400);
      assertThat(VaultHttp.json(r).get("detail").asText()).contains("secret name");
      assertThat(one.delete(c.getKey(), token(ws)).statusCode()).as(c.getKey()).isEqualTo(400);
      assertThat(one.get("/api/v1/vault/secrets/" + c.getKey(), token(ws)).statusCode())
          .isEqualTo(400);
    }
    List<String> badBodies =
        List.of(
            "",
            "{not json",
            "{\"value\": " + secretish + "}",
            "[\"" + secretish + "\"]",
            "{\"value\": 42}",
            "{\"value\": \"   \"}",
            "{}",
            "{\"value\": null}",
            "{\"value\": \"" + secretish + "\", \"extra\": 1}",
            "{\"value\": \"" + "k".repeat(4097) + "\"}",
            "{\"value\": \"" + secretish + "\" \"more\"}");
    for (String body : badBodies) {
      HttpResponse<String> r = one.put("social.bad", body, token(ws));
      String label = body.length() > 40 ? body.substring(0, 40) : body;
      assertThat(r.statusCode()).as(label).isEqualTo(400);
      assertThat(r.headers().firstValue("content-type"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
      JsonNode problem = VaultHttp.json(r);
      assertThat(problem.get("type").asText()).isEqualTo("/problems/invalid-request");
      assertThat(problem.get("detail").asText())
          .as(label)
          .isNotBlank()
          .doesNotContain(secretish)
          .doesNotContain("sk-live");
    }
    assertThat(one.put("gemini", "{\"value\":\"x\"}", null).statusCode()).isEqualTo(401);
    assertThat(one.rotate(token(ws)).statusCode()).isEqualTo(409);
    assertThat(endOffset(Topics.VAULT)).isEqualTo(before);
    assertThat(one.vault(token(ws)).get("secrets")).isEmpty();
  }

  @Test
  void delete_removesTheSecret_andAnUnknownOneIs404() throws Exception {
    String ws = "ws-del";
    assertThat(one.putValue("reddit", "reddit-" + UUID.randomUUID(), token(ws)).statusCode())
        .isEqualTo(201);
    assertThat(one.putValue("shopify", "shpat_" + UUID.randomUUID(), token(ws)).statusCode())
        .isEqualTo(201);

    assertThat(one.delete("reddit", token(ws)).statusCode()).isEqualTo(204);

    assertThat(one.vault(token(ws)).get("secrets"))
        .extracting(s -> s.get("name").asText())
        .containsExactly("shopify");
    assertThat(one.get("/api/v1/vault/secrets/reddit", token(ws)).statusCode()).isEqualTo(404);
    HttpResponse<String> again = one.delete("reddit", token(ws));
    assertThat(again.statusCode()).isEqualTo(404);
    assertThat(VaultHttp.json(again).get("type").asText()).isEqualTo("/problems/not-found");
    eventually(
        () ->
            assertThat(two.vault(token(ws)).get("secrets"))
                .extracting(s -> s.get("name").asText())
                .containsExactly("shopify"));
  }

  @Test
  void anotherWorkspacesSecret_isNotFound_andNeverListed() throws Exception {
    assertThat(
            one.putValue("social.acme", "acme-" + UUID.randomUUID(), token("ws-iso-a"))
                .statusCode())
        .isEqualTo(201);

    assertThat(one.get("/api/v1/vault/secrets/social.acme", token("ws-iso-b")).statusCode())
        .isEqualTo(404);
    assertThat(two.get("/api/v1/vault/secrets/social.acme", token("ws-iso-b")).statusCode())
        .isEqualTo(404);
    assertThat(one.delete("social.acme", token("ws-iso-b")).statusCode()).isEqualTo(404);
    assertThat(one.vault(token("ws-iso-b")).get("secrets")).isEmpty();
    assertThat(one.vault(token("ws-iso-b")).get("keyVersion").asInt()).isZero();
    assertThat(one.get("/api/v1/vault/secrets/social.acme", token("ws-iso-a")).statusCode())
        .isEqualTo(200);
    assertThat(resolver.keyFor(KeyRequest.of("ws-iso-b", "social.acme")).source())
        .isEqualTo(ResolvedKey.Source.DEPLOYMENT);
  }

  @Test
  void rotation_reencryptsEverySecret_recordsHistory_andIsAllowedOncePerHour() throws Exception {
    String ws = "ws-rot";
    Map<String, String> values = new LinkedHashMap<>();
    for (String name : List.of("gemini", "shopify", "social.x", "social.y")) {
      values.put(name, name + "-" + UUID.randomUUID());
      assertThat(one.putValue(name, values.get(name), token(ws)).statusCode()).isEqualTo(201);
    }
    JsonNode beforeRotation = one.vault(token(ws));
    VaultRecord v1 = latestRecord(ws);

    HttpResponse<String> rotated = two.rotate("token-ws-rot-bob");

    assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
    JsonNode result = VaultHttp.json(rotated);
    assertThat(result.get("success").asBoolean()).isTrue();
    assertThat(result.get("newVersion").asInt()).isEqualTo(2);
    long rotatedAt = result.get("rotatedAt").asLong();
    JsonNode after = two.vault(token(ws));
    assertThat(after.get("keyVersion").asInt()).isEqualTo(2);
    assertThat(after.get("lastRotatedAt").asLong()).isEqualTo(rotatedAt);
    assertThat(after.get("secrets"))
        .hasSize(4)
        .allSatisfy(s -> assertThat(s.get("keyVersion").asInt()).isEqualTo(2));
    // Same values, same fingerprints: a rotation changes keys, not secrets.
    assertThat(after.get("secrets").findValuesAsText("fingerprint"))
        .isEqualTo(beforeRotation.get("secrets").findValuesAsText("fingerprint"));

    // The commit's markers reach the partition just after the answer: read until the rotated record
    // is visible.
    eventually(() -> assertThat(latestRecord(ws).keyVersion()).isEqualTo(2));
    VaultRecord v2 = latestRecord(ws);
    assertThat(v2.dataKeyset()).isNotEqualTo(v1.dataKeyset());
    assertThat(v2.keys())
        .hasSize(1)
        .first()
        .satisfies(k -> assertThat(k.keyId()).isNotEqualTo(v1.keys().get(0).keyId()));
    for (VaultRecord.SealedSecret s : v2.secrets()) {
      assertThat(s.ciphertext()).isNotEqualTo(v1.secret(s.name()).orElseThrow().ciphertext());
      assertThat(s.keyId()).isEqualTo(v2.keys().get(0).keyId());
    }
    // Every secret still opens to its value, job-side, from the rotated record.
    eventually(
        () -> {
          for (Map.Entry<String, String> e : values.entrySet()) {
            ResolvedKey key = resolver.keyFor(KeyRequest.of(ws, e.getKey()));
            assertThat(key.keyVersion()).isEqualTo(2);
            assertThat(key.revealForUse()).isEqualTo(e.getValue());
          }
        });

    JsonNode history = VaultHttp.json(one.get("/api/v1/vault/rotations", token(ws)));
    assertThat(history.get("keyVersion").asInt()).isEqualTo(2);
    assertThat(history.get("rotations"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.get("version").asInt()).isEqualTo(2);
              assertThat(r.get("rotatedAt").asLong()).isEqualTo(rotatedAt);
              assertThat(r.get("rotatedBy").asText()).isEqualTo("bob@ws-rot");
            });

    for (VaultHttp api : List.of(one, two)) {
      HttpResponse<String> tooSoon = api.rotate(token(ws));
      assertThat(tooSoon.statusCode()).isEqualTo(429);
      long retryAfter = Long.parseLong(tooSoon.headers().firstValue("Retry-After").orElseThrow());
      assertThat(retryAfter).isBetween(3000L, 3600L);
      assertThat(VaultHttp.json(tooSoon).get("type").asText())
          .isEqualTo("/problems/too-many-requests");
    }
    assertThat(latestRecord(ws).revision()).isEqualTo(v2.revision());
  }

  @Test
  void concurrentWrites_throughBothInstances_loseNothing() throws Exception {
    String ws = "ws-conc";
    List<CompletableFuture<Integer>> puts = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      VaultHttp api = i % 2 == 0 ? one : two;
      String name = "social.n" + i;
      puts.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return api.putValue(name, "value-" + name, token(ws)).statusCode();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    assertThat(puts.stream().map(CompletableFuture::join).toList()).containsOnly(201);

    for (VaultHttp api : List.of(one, two)) {
      eventually(() -> assertThat(api.vault(token(ws)).get("secrets")).hasSize(24));
    }
    // Every committed record builds on the one before it: revisions only go up, one per change
    // (changes that
    // arrive together are written as one record with the last revision), never two writers on the
    // same base.
    List<Long> revisions =
        read(Topics.VAULT).stream()
            .filter(r -> r.key().equals(ws))
            .map(r -> JsonCodec.of(VaultRecord.class).decode(r.value()).revision())
            .toList();
    assertThat(revisions).isSorted().doesNotHaveDuplicates();
    assertThat(revisions.get(revisions.size() - 1)).isEqualTo(24);
    VaultRecord last = latestRecord(ws);
    for (int i = 0; i < 24; i++) {
      assertThat(resolver.keyFor(KeyRequest.of(ws, "social.n" + i)).revealForUse())
          .isEqualTo("value-social.n" + i);
    }
    assertThat(last.secrets()).hasSize(24);
  }

  @Test
  void everySetDeleteRotateAndDecrypt_isAnAuditEvent_onKafkaAndInClickHouse_withoutValues()
      throws Exception {
    String ws = "ws-audit";
    String value = "audit-" + UUID.randomUUID();
    assertThat(one.putValue("gemini", value, token(ws)).statusCode()).isEqualTo(201);
    assertThat(one.putValue("social.z", value + "-z", token(ws)).statusCode()).isEqualTo(201);
    // Instance two reads the vault topic a moment behind instance one's write; a 404 there writes
    // nothing.
    eventually(() -> assertThat(two.delete("social.z", token(ws)).statusCode()).isEqualTo(204));
    assertThat(one.rotate(token(ws)).statusCode()).isEqualTo(200);
    eventually(
        () ->
            assertThat(resolver.keyFor(new KeyRequest(ws, "gemini", "m-1", "s1", 1)).keyVersion())
                .isEqualTo(2));

    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              List<JsonNode> events =
                  read(Topics.AUDIT).stream()
                      .filter(r -> r.key().equals(ws))
                      .map(
                          r -> {
                            assertThat(r.value()).doesNotContain(value);
                            try {
                              return Json.mapper().readTree(r.value());
                            } catch (IOException e) {
                              throw new IllegalStateException(e);
                            }
                          })
                      .toList();
              events.forEach(e -> assertThat(Schemas.problems("audit-event.v1", e)).isEmpty());
              assertThat(events)
                  .extracting(e -> e.get("action").asText())
                  .startsWith(
                      "vault.secret.set",
                      "vault.secret.set",
                      "vault.secret.delete",
                      "vault.keys.rotate")
                  .contains("vault.secret.decrypt");
              // The resolver was asked until it saw the rotation: the last decrypt used version 2.
              JsonNode decrypt =
                  events.stream()
                      .filter(
                          e ->
                              e.get("action").asText().equals("vault.secret.decrypt")
                                  && e.path("missionId").asText().equals("m-1"))
                      .reduce((a, b) -> b)
                      .orElseThrow();
              assertThat(decrypt.get("actor").asText()).isEqualTo("mission-job");
              assertThat(decrypt.get("keyVersion").asInt()).isEqualTo(2);
              assertThat(decrypt.get("stepId").asText()).isEqualTo("s1");
              assertThat(events.get(2).get("actor").asText()).isEqualTo("alice@ws-audit");
              assertThat(events.get(3).get("keyVersion").asInt()).isEqualTo(2);
            });

    awaitRows(
        CLICKHOUSE,
        Duration.ofSeconds(60),
        "SELECT action, actor, secret_name, key_version, outcome, "
            + "mission_id FROM audit_events FINAL WHERE workspace_id = '"
            + ws
            + "' ORDER BY at_ms, action",
        rows -> {
          assertThat(rows)
              .extracting(r -> r.get("action").asText())
              .contains(
                  "vault.secret.set",
                  "vault.secret.delete",
                  "vault.keys.rotate",
                  "vault.secret.decrypt");
          assertThat(rows)
              .filteredOn(r -> r.get("action").asText().equals("vault.keys.rotate"))
              .singleElement()
              .satisfies(
                  r -> {
                    assertThat(r.get("key_version").asInt()).isEqualTo(2);
                    assertThat(r.get("actor").asText()).isEqualTo("alice@ws-audit");
                  });
          assertThat(rows)
              .filteredOn(r -> r.get("mission_id").asText().equals("m-1"))
              .isNotEmpty()
              .allSatisfy(r -> assertThat(r.get("outcome").asText()).isEqualTo("ok"));
          assertThat(rows.toString()).doesNotContain(value);
        });
  }

  /**
   * Key changes (SPEC §11) go through the same audit trail: the topic, then the job's copy in
   * ClickHouse.
   */
  @Test
  void keyChanges_areAuditedInClickHouse_withWhatChanged_neverTheKey() throws Exception {
    String ws = "ws-cp";
    ApiClient.Response created =
        new ApiClient(api2.port(), token(ws))
            .post("/api/v1/keys", "{\"name\":\"ci\",\"role\":\"member\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    JsonNode key = created.json();
    String keyId = key.get("keyId").asText();
    ApiClient.Response revoked =
        new ApiClient(api1.port(), token(ws)).delete("/api/v1/keys/" + keyId);
    assertThat(revoked.status()).as(revoked.body()).isEqualTo(204);
    awaitRows(
        CLICKHOUSE,
        Duration.ofSeconds(60),
        "SELECT action, actor, source, target FROM audit_events FINAL"
            + " WHERE workspace_id = '"
            + ws
            + "' ORDER BY at_ms, action",
        rows -> {
          assertThat(rows)
              .extracting(r -> r.get("action").asText() + " " + r.get("target").asText())
              .containsExactly(
                  "key.create key:" + keyId + " role=member", "key.revoke key:" + keyId);
          assertThat(rows)
              .allSatisfy(
                  r -> {
                    assertThat(r.get("actor").asText()).isEqualTo("alice@" + ws);
                    assertThat(r.get("source").asText()).isEqualTo("api");
                  });
          assertThat(rows.toString()).doesNotContain(key.get("key").asText());
        });
  }

  @Test
  void tamperedCiphertext_isAClearError_andNothingCrashes() throws Exception {
    String ws = "ws-tamper";
    String value = "tamper-" + UUID.randomUUID();
    assertThat(one.putValue("gemini", value, token(ws)).statusCode()).isEqualTo(201);
    VaultRecord good = latestRecord(ws);
    VaultRecord.SealedSecret s = good.secret("gemini").orElseThrow();
    byte[] ct = Base64.getDecoder().decode(s.ciphertext());
    ct[ct.length - 1] ^= 0x01;
    VaultRecord tampered =
        new VaultRecord(
            UUID.randomUUID().toString(),
            ws,
            good.revision() + 1,
            good.ts(),
            good.keyVersion(),
            good.kek(),
            good.dataKeyset(),
            good.fingerprintKeyset(),
            good.keys(),
            List.of(
                new VaultRecord.SealedSecret(
                    "gemini",
                    Base64.getEncoder().encodeToString(ct),
                    s.keyId(),
                    s.keyVersion(),
                    s.fingerprint(),
                    s.createdAt(),
                    s.createdBy(),
                    s.updatedAt(),
                    s.updatedBy())),
            good.rotations(),
            good.change());
    Properties props = KAFKA.clientProperties();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.VAULT, ws, JsonCodec.of(VaultRecord.class).encode(tampered)))
          .get();
    }
    eventually(
        () ->
            assertThat(one.vault(token(ws)).get("revision").asLong())
                .isEqualTo(tampered.revision()));

    // The job: a clear error for this call, never the deployment key instead.
    eventually(
        () ->
            assertThatThrownBy(() -> resolver.keyFor(KeyRequest.of(ws, "gemini")))
                .isInstanceOfSatisfying(
                    VaultException.class,
                    e -> assertThat(e.reason()).isEqualTo(VaultException.Reason.SECRET_UNREADABLE))
                .hasMessageContaining("secret 'gemini' of workspace 'ws-tamper' does not open"));
    // The API: a rotation cannot re-encrypt it, says which secret, and changes nothing.
    HttpResponse<String> rotate = one.rotate(token(ws));
    assertThat(rotate.statusCode()).isEqualTo(409);
    assertThat(VaultHttp.json(rotate).get("type").asText())
        .isEqualTo("/problems/secret-unreadable");
    assertThat(VaultHttp.json(rotate).get("detail").asText()).contains("'gemini'");
    assertThat(one.vault(token(ws)).get("keyVersion").asInt()).isEqualTo(1);
    // Both keep serving; setting the secret again repairs it.
    assertThat(one.putValue("gemini", value + "-fixed", token(ws)).statusCode()).isEqualTo(200);
    eventually(
        () ->
            assertThat(resolver.keyFor(KeyRequest.of(ws, "gemini")).revealForUse())
                .isEqualTo(value + "-fixed"));
    assertThat(one.rotate(token(ws)).statusCode()).isEqualTo(200);
  }

  @Test
  void jobResolver_usesTheWorkspaceKey_picksUpChangesWithoutRestart_andFallsBackToTheDeploymentKey()
      throws Exception {
    String ws = "ws-key";
    ResolvedKey none = resolver.keyFor(KeyRequest.of(ws, "gemini"));
    assertThat(none.source()).isEqualTo(ResolvedKey.Source.DEPLOYMENT);
    assertThat(none.revealForUse()).isEqualTo(DEPLOYMENT_KEY);
    assertThat(none.toString()).doesNotContain(DEPLOYMENT_KEY);

    String keyA = "AIza-A-" + UUID.randomUUID();
    String fpA =
        VaultHttp.json(one.putValue("gemini", keyA, token(ws))).get("fingerprint").asText();
    eventually(
        () -> {
          ResolvedKey k = resolver.keyFor(KeyRequest.of(ws, "gemini"));
          assertThat(k.source()).isEqualTo(ResolvedKey.Source.WORKSPACE);
          assertThat(k.revealForUse()).isEqualTo(keyA);
          assertThat(k.fingerprint()).isEqualTo(fpA);
          assertThat(k.toString()).doesNotContain(keyA);
        });
    // Another workspace keeps using the deployment key meanwhile.
    assertThat(resolver.keyFor(KeyRequest.of("ws-key-none", "gemini")).revealForUse())
        .isEqualTo(DEPLOYMENT_KEY);

    String keyB = "AIza-B-" + UUID.randomUUID();
    two.putValue("gemini", keyB, token(ws));
    eventually(
        () ->
            assertThat(resolver.keyFor(KeyRequest.of(ws, "gemini")).revealForUse())
                .isEqualTo(keyB));

    assertThat(one.rotate(token(ws)).statusCode()).isEqualTo(200);
    eventually(
        () -> {
          ResolvedKey k = resolver.keyFor(KeyRequest.of(ws, "gemini"));
          assertThat(k.keyVersion()).isEqualTo(2);
          assertThat(k.revealForUse()).isEqualTo(keyB);
        });

    assertThat(one.delete("gemini", token(ws)).statusCode()).isEqualTo(204);
    eventually(
        () ->
            assertThat(resolver.keyFor(KeyRequest.of(ws, "gemini")).source())
                .isEqualTo(ResolvedKey.Source.DEPLOYMENT));
  }

  @Test
  void aTestSecretsPlaintext_isInNoKafkaSegment_ClickHouseFile_LogFile_orApiResponse()
      throws Exception {
    String ws = "ws-scan";
    String secret = "PLAINTEXT" + UUID.randomUUID().toString().replace("-", "");
    String control = "CONTROL" + UUID.randomUUID().toString().replace("-", "");
    // The whole life of a secret: set on one instance, read on both, rotated, used by the job,
    // audited.
    assertThat(one.putValue("gemini", secret, token(ws)).statusCode()).isEqualTo(201);
    assertThat(one.putValue("social.scan", secret, token(ws)).statusCode()).isEqualTo(201);
    eventually(() -> assertThat(two.vault(token(ws)).get("secrets")).hasSize(2));
    two.get("/api/v1/vault/secrets/gemini", token(ws));
    assertThat(one.rotate(token(ws)).statusCode()).isEqualTo(200);
    two.get("/api/v1/vault/rotations", token(ws));
    one.put("social.scan", "{\"value\": " + secret + "}", token(ws));
    eventually(
        () ->
            assertThat(
                    resolver.keyFor(new KeyRequest(ws, "gemini", "m-scan", "s1", 1)).revealForUse())
                .isEqualTo(secret));
    assertThat(one.delete("social.scan", token(ws)).statusCode()).isEqualTo(204);
    awaitRows(
        CLICKHOUSE,
        Duration.ofSeconds(60),
        "SELECT count() AS n FROM audit_events WHERE workspace_id = '"
            + ws
            + "' AND action = 'vault.secret.decrypt'",
        rows -> assertThat(rows.get(0).get("n").asLong()).isPositive());

    // Positive controls: the same scans do find a value that was written in the clear.
    Properties props = KAFKA.clientProperties();
    try (Admin admin = Admin.create(props);
        KafkaProducer<String, String> producer =
            new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      admin
          .createTopics(
              List.of(new org.apache.kafka.clients.admin.NewTopic("scan-control", 1, (short) 1)))
          .all()
          .get();
      producer.send(new ProducerRecord<>("scan-control", "k", control)).get();
    }
    CLICKHOUSE
        .client()
        .execute(
            "CREATE TABLE IF NOT EXISTS scan_control (v String) ENGINE = MergeTree ORDER BY v");
    CLICKHOUSE.client().execute("INSERT INTO scan_control VALUES ('" + control + "')");
    LOG.info("scan control value {}", control);

    Path kafkaDir = KAFKA.dataDirectory();
    List<Path> clickhouseDirs = tableDirectories();
    Path logFile = Path.of("target/test.log");
    assertThat(clickhouseDirs)
        .hasSizeGreaterThanOrEqualTo(3); // missions, audit_events, scan_control at least

    assertThat(filesContaining(kafkaDir, control)).isNotEmpty();
    assertThat(filesContaining(clickhouseDirs, control)).isNotEmpty();
    assertThat(filesContaining(logFile, control)).isNotEmpty();

    assertThat(filesContaining(kafkaDir, secret))
        .as("Kafka log segments under " + kafkaDir)
        .isEmpty();
    assertThat(filesContaining(clickhouseDirs, secret))
        .as("ClickHouse files under " + clickhouseDirs)
        .isEmpty();
    assertThat(filesContaining(logFile, secret)).as("the test log").isEmpty();
    assertThat(filesContaining(Path.of("target/surefire-reports"), secret))
        .as("test output")
        .isEmpty();
    assertThat(VaultHttp.SEEN).isNotEmpty().noneMatch(r -> r.contains(secret));
    assertThat(Files.getPosixFilePermissions(home.resolve("vault/master-keyset.json")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }

  /**
   * Where the server keeps this test database's tables, as the server says (not a hard-coded path):
   * 18.16 has {@code data_path}, a current ClickHouse {@code data_paths}.
   */
  private static List<Path> tableDirectories() {
    List<Path> dirs = new ArrayList<>();
    for (JsonNode t :
        CLICKHOUSE
            .client()
            .query(
                "SELECT * FROM system.tables WHERE database = '" + CLICKHOUSE.database() + "'")) {
      if (t.hasNonNull("data_paths") && t.get("data_paths").isArray()) {
        t.get("data_paths").forEach(p -> dirs.add(Path.of(p.asText())));
      } else if (t.hasNonNull("data_path") && !t.get("data_path").asText().isEmpty()) {
        dirs.add(Path.of(t.get("data_path").asText()));
      }
    }
    return dirs;
  }

  private static List<Path> filesContaining(List<Path> roots, String needle) throws IOException {
    List<Path> found = new ArrayList<>();
    for (Path root : roots) {
      found.addAll(filesContaining(root, needle));
    }
    return found;
  }

  /** Files under {@code root} (or {@code root} itself) whose bytes contain {@code needle}. */
  private static List<Path> filesContaining(Path root, String needle) throws IOException {
    byte[] pattern = needle.getBytes(StandardCharsets.UTF_8);
    for (int attempt = 1; ; attempt++) {
      if (!Files.exists(root)) {
        return List.of();
      }
      try (Stream<Path> files = Files.walk(root)) {
        return files
            .filter(Files::isRegularFile)
            .filter(
                f -> {
                  try {
                    return indexOf(Files.readAllBytes(f), pattern) >= 0;
                  } catch (IOException e) {
                    return false; // a segment or part removed while scanning (retention, merges)
                  }
                })
            .collect(Collectors.toList());
      } catch (java.io.UncheckedIOException e) {
        if (attempt == 3) {
          throw e; // a directory kept disappearing under the walk
        }
      }
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static VaultRecord latestRecord(String ws) {
    VaultRecord latest = null;
    for (ConsumerRecord<String, String> r : read(Topics.VAULT)) {
      if (r.key().equals(ws)) {
        latest = JsonCodec.of(VaultRecord.class).decode(r.value());
      }
    }
    return latest;
  }

  /** Every committed record of a topic, from the beginning to its current end. */
  private static List<ConsumerRecord<String, String>> read(String topic) {
    Properties props = KAFKA.clientProperties();
    props.put("isolation.level", "read_committed");
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ConsumerRecord<String, String>> records = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
          && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      return records;
    }
  }

  private static long endOffset(String topic) throws Exception {
    return TopicOffsets.endOffsetSum(KAFKA.clientProperties(), topic);
  }
}
