package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.testing.TestEvents;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MissionService} against Kafka's {@code MockProducer}: what a client gets back, and what
 * reaches the missions topic. No broker, no ClickHouse.
 */
class MissionServiceTest {
  private static final Principal ALICE = new Principal("ws-a", "alice");
  private static final Principal BOB = new Principal("ws-b", "bob");
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-05T02:00:00Z"), ZoneOffset.UTC);
  private static final JsonCodec<MissionSubmitted> CODEC = JsonCodec.of(MissionSubmitted.class);

  private final MockProducer<String, byte[]> producer =
      new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
  private final MissionPublisher publisher = new MissionPublisher(producer);
  private final MissionStore store = new MissionStore(1_000);

  @AfterEach
  void close() {
    publisher.close();
  }

  private static MissionRequest request(String body) {
    return MissionRequest.read(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private List<MissionSubmitted> written() {
    return producer.history().stream()
        .peek(r -> assertThat(r.topic()).isEqualTo(Topics.MISSIONS))
        .map(r -> CODEC.decode(r.value()))
        .toList();
  }

  @Test
  void sameKeySameBody_getsTheSameMissionId_replayed_andOneRecord() throws Exception {
    MissionService service = new MissionService(publisher, store, CLOCK);
    MissionRequest launch = request("{\"mission\":\"Plan a launch\"}");

    MissionService.Submission first = await(service.submit(ALICE, launch, "order-17"));
    MissionService.Submission retry =
        await(service.submit(ALICE, request("{ \"mission\" : \"  Plan a launch \" }"), "order-17"));

    assertThat(first.replayed()).isFalse();
    assertThat(retry.replayed()).isTrue();
    assertThat(retry.missionId()).isEqualTo(first.missionId());
    assertThat(written())
        .singleElement()
        .satisfies(
            record -> {
              assertThat(record.missionId()).isEqualTo(first.missionId());
              assertThat(record.workspaceId()).isEqualTo("ws-a");
              assertThat(record.mission()).isEqualTo("Plan a launch");
              assertThat(record.idempotencyKey()).isEqualTo("order-17");
              assertThat(record.requestHash()).isEqualTo(launch.requestHash());
              assertThat(record.ts()).isEqualTo(CLOCK.millis());
            });
    assertThat(producer.history().get(0).key())
        .as("keyed by missionId")
        .isEqualTo(first.missionId());
  }

  @Test
  void sameKeyDifferentBody_is422IdempotencyKeyReused_andNothingMoreIsWritten() throws Exception {
    MissionService service = new MissionService(publisher, store, CLOCK);
    await(service.submit(ALICE, request("{\"mission\":\"Plan a launch\"}"), "order-17"));

    for (String other :
        List.of(
            "{\"mission\":\"Plan a recall\"}",
            "{\"mission\":\"Plan a launch\",\"config\":{\"execution\":\"sequential\"}}")) {
      assertThatThrownBy(() -> await(service.submit(ALICE, request(other), "order-17")))
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).isEqualTo(422);
                assertThat(e.type()).isEqualTo("idempotency-key-reused");
              });
    }
    assertThat(producer.history()).hasSize(1);
  }

  @Test
  void theSameKeyInAnotherWorkspace_isAnotherMission() throws Exception {
    MissionService service = new MissionService(publisher, store, CLOCK);

    String a = await(service.submit(ALICE, request("{\"mission\":\"x\"}"), "order-17")).missionId();
    MissionService.Submission b =
        await(service.submit(BOB, request("{\"mission\":\"y\"}"), "order-17"));

    assertThat(b.missionId()).isNotEqualTo(a);
    assertThat(b.replayed()).isFalse();
    assertThat(written()).extracting(MissionSubmitted::workspaceId).containsExactly("ws-a", "ws-b");
  }

  @Test
  void withoutAKey_everySubmissionIsANewMission_withoutAFingerprint() throws Exception {
    MissionService service = new MissionService(publisher, store, CLOCK);
    MissionRequest same = request("{\"mission\":\"x\"}");

    String first = await(service.submit(ALICE, same, null)).missionId();
    String second = await(service.submit(ALICE, same, null)).missionId();

    assertThat(first).isNotEqualTo(second);
    assertThat(written())
        .allSatisfy(
            r -> {
              assertThat(r.idempotencyKey()).isNull();
              assertThat(r.requestHash()).isNull();
            });
    assertThat(service.get(ALICE, first).status().name()).isEqualTo("SUBMITTED");
  }

  @Test
  void aMalformedKey_is400_andNothingIsWritten() {
    MissionService service = new MissionService(publisher, store, CLOCK);

    for (String key : List.of("", "has space", "x".repeat(256), "caf\u00e9")) {
      assertThatThrownBy(() -> service.submit(ALICE, request("{\"mission\":\"x\"}"), key))
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void aKeyThisInstanceDoesNotHold_isAnsweredByTheArchive_replayOrConflict() throws Exception {
    MissionRequest launch = request("{\"mission\":\"Plan a launch\"}");
    AtomicInteger lookups = new AtomicInteger();
    SubmissionArchive archive =
        (workspaceId, missionId) -> {
          lookups.incrementAndGet();
          assertThat(workspaceId).isEqualTo("ws-a");
          return Optional.of(launch.requestHash());
        };
    MissionService service = new MissionService(publisher, store, archive, CLOCK);

    MissionService.Submission replay = await(service.submit(ALICE, launch, "stored-long-ago"));
    assertThatThrownBy(
            () ->
                await(service.submit(ALICE, request("{\"mission\":\"other\"}"), "stored-long-ago")))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.type()).isEqualTo("idempotency-key-reused"));

    assertThat(replay.replayed()).isTrue();
    assertThat(lookups).hasValue(2);
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void anArchiveThatCannotBeRead_is503_andNothingIsWritten() {
    SubmissionArchive down =
        (workspaceId, missionId) -> {
          throw ApiException.unavailable("ClickHouse is down").withHeader("Retry-After", "2");
        };
    MissionService service = new MissionService(publisher, store, down, CLOCK);

    assertThatThrownBy(() -> service.submit(ALICE, request("{\"mission\":\"x\"}"), "k1"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503));
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void aWriteKafkaDoesNotConfirm_is503_theMissionIsNotKnown_andARetryWritesIt() throws Exception {
    MockProducer<String, byte[]> manual =
        new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
    try (MissionPublisher failing = new MissionPublisher(manual)) {
      MissionService service = new MissionService(failing, store, CLOCK);

      CompletableFuture<MissionService.Submission> lost =
          service.submit(ALICE, request("{\"mission\":\"x\"}"), "k1");
      manual.errorNext(new TimeoutException("broker gone"));

      assertThatThrownBy(() -> await(lost))
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503));
      CompletableFuture<MissionService.Submission> retried =
          service.submit(ALICE, request("{\"mission\":\"x\"}"), "k1");
      manual.completeNext();
      MissionService.Submission retry = await(retried);
      assertThat(retry.replayed()).as("the failed write made nothing to replay").isFalse();
      assertThat(manual.history()).hasSize(2);
    }
  }

  @Test
  void aBatchsMissions_areMarkedForTheFeed_theAckedOnesHeld_theFailedOnesReadAgain()
      throws Exception {
    MockProducer<String, byte[]> manual =
        new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
    try (MissionPublisher acking = new MissionPublisher(manual)) {
      MissionService service = new MissionService(acking, store, CLOCK);
      MissionBatch batch =
          MissionBatch.read(
              new ByteArrayInputStream(
                  "{\"mission\":\"a\"}\n{\"mission\":\"b\"}\n".getBytes(StandardCharsets.UTF_8)));

      CompletableFuture<List<LineResult>> done = service.submitBatch(ALICE, batch);
      List<String> ids = manual.history().stream().map(r -> r.key()).toList();
      assertThat(ids).hasSize(2).noneMatch(store::holdsSubmission);
      manual.completeNext();
      manual.errorNext(new TimeoutException("broker gone"));

      assertThat(await(done)).extracting(LineResult::status).containsExactly(202, 503);
      assertThat(store.wroteItself(ids.get(0))).as("the feed skips its record").isTrue();
      assertThat(store.wroteItself(ids.get(1))).as("the feed reads it").isFalse();
      assertThat(store.holdsSubmission(ids.get(0))).as("acked: held").isTrue();
      assertThat(store.holdsSubmission(ids.get(1))).as("failed: not held").isFalse();
    }
  }

  @Test
  void aBatch_twoLinesWithOneKey_areOneMission_theSecondReplayedOrRefused() throws Exception {
    MissionService service = new MissionService(publisher, store, CLOCK);
    MissionBatch batch =
        MissionBatch.read(
            new ByteArrayInputStream(
                String.join(
                        "\n",
                        "{\"mission\":\"a\",\"idempotencyKey\":\"k\"}",
                        "{\"mission\":\"free\"}",
                        "{\"mission\":\"a\",\"idempotencyKey\":\"k\"}",
                        "{\"mission\":\"b\",\"idempotencyKey\":\"k\"}",
                        "{\"mission\":\"x\",\"config\":{\"planner\":\"magic\"}}")
                    .getBytes(StandardCharsets.UTF_8)));

    List<LineResult> results = await(service.submitBatch(ALICE, batch));

    JsonNode json = Json.mapper().valueToTree(results);
    assertThat(json)
        .extracting(r -> r.get("status").asInt())
        .containsExactly(202, 202, 202, 422, 400);
    assertThat(json.get(2).get("missionId")).isEqualTo(json.get(0).get("missionId"));
    assertThat(json.get(2).path("replayed").asBoolean()).isTrue();
    assertThat(json.get(3).get("type").asText()).endsWith("idempotency-key-reused");
    assertThat(json.get(4).get("detail").asText()).contains("'config.planner'");
    assertThat(written())
        .extracting(MissionSubmitted::mission)
        .containsExactlyInAnyOrder("a", "free");
  }

  @Test
  void anotherWorkspacesMission_isNotFound() throws Exception {
    MissionService service = new MissionService(publisher, store, CLOCK);
    String id = await(service.submit(ALICE, request("{\"mission\":\"x\"}"), null)).missionId();

    assertThat(service.get(ALICE, id).missionId()).isEqualTo(id);
    assertThatThrownBy(() -> service.get(BOB, id))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
  }

  /** A finished two-step mission of ALICE's workspace, in the store: what a fork starts from. */
  private String finishedMission() {
    String id = "original-1";
    Plan plan =
        new Plan(
            List.of(
                new PlanStep("s1", "agent-scout", "research", null, List.of(), null, null, null),
                new PlanStep(
                    "s2", "seo-analyst", "review", null, List.of("s1"), null, null, null)));
    store.onEvent(
        TestEvents.of(EventTypes.MISSION_ACCEPTED, id, "ws-a", 1, 1L)
            .status("PLANNING")
            .mission("Plan a launch", MissionConfig.DEFAULT)
            .build());
    store.onEvent(
        TestEvents.of(EventTypes.PLAN_READY, id, "ws-a", 2, 2L)
            .status("RUNNING")
            .plan(plan)
            .build());
    store.onEvent(
        TestEvents.of(EventTypes.STEP_COMPLETED, id, "ws-a", 3, 3L)
            .status("SUCCEEDED")
            .step("s1", "agent-scout", 1)
            .output(Json.mapper().createObjectNode().put("facts", 3))
            .durationMs(1)
            .build());
    store.onEvent(
        TestEvents.of(EventTypes.STEP_COMPLETED, id, "ws-a", 4, 4L)
            .status("SUCCEEDED")
            .step("s2", "seo-analyst", 1)
            .output(Json.mapper().createObjectNode().put("ok", true))
            .durationMs(1)
            .build());
    store.onEvent(
        TestEvents.of(EventTypes.MISSION_COMPLETED, id, "ws-a", 5, 5L)
            .status("COMPLETED")
            .durationMs(4)
            .build());
    return id;
  }

  @Test
  void aRetriedRerunWithTheSameKey_getsTheSameFork_replayed_andOneRecord() throws Exception {
    MissionService service = new MissionService(publisher, store, CLOCK);
    String original = finishedMission();
    RerunRequest rerun = new RerunRequest("gemini-2.5-flash-lite", "s2");

    MissionService.Submission first = await(service.rerun(ALICE, original, rerun, "fork-7"));
    MissionService.Submission retry =
        await(
            service.rerun(
                ALICE, original, new RerunRequest("gemini-2.5-flash-lite", "s2"), "fork-7"));

    assertThat(first.replayed()).isFalse();
    assertThat(retry.replayed()).isTrue();
    assertThat(retry.missionId()).isEqualTo(first.missionId()).isNotEqualTo(original);
    assertThat(written())
        .singleElement()
        .satisfies(
            record -> {
              assertThat(record.missionId()).isEqualTo(first.missionId());
              assertThat(record.rerun().of()).isEqualTo(original);
              assertThat(record.rerun().reused()).containsOnlyKeys("s1");
              assertThat(record.idempotencyKey()).isEqualTo("fork-7");
              assertThat(record.requestHash()).isEqualTo(rerun.fingerprint(original));
            });
  }

  @Test
  void aKeyReusedForAnotherRerunOrASubmission_is422_andNothingMoreIsWritten() throws Exception {
    MissionService service = new MissionService(publisher, store, CLOCK);
    String original = finishedMission();
    await(
        service.rerun(ALICE, original, new RerunRequest("gemini-2.5-flash-lite", "s2"), "fork-7"));
    await(service.submit(ALICE, request("{\"mission\":\"Plan a launch\"}"), "order-17"));

    for (RerunRequest other :
        List.of(
            new RerunRequest(null, "s2"),
            new RerunRequest("gemini-2.5-flash-lite", null),
            new RerunRequest("gemini-2.5-flash", "s2"))) {
      assertThatThrownBy(() -> await(service.rerun(ALICE, original, other, "fork-7")))
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).isEqualTo(422);
                assertThat(e.type()).isEqualTo("idempotency-key-reused");
              });
    }
    // One space of keys per workspace: a submission's key is not a rerun's, nor the other way
    // round.
    assertThatThrownBy(
            () -> await(service.rerun(ALICE, original, new RerunRequest(null, null), "order-17")))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.type()).isEqualTo("idempotency-key-reused"));
    assertThatThrownBy(
            () ->
                await(service.submit(ALICE, request("{\"mission\":\"Plan a launch\"}"), "fork-7")))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.type()).isEqualTo("idempotency-key-reused"));
    assertThat(producer.history()).hasSize(2);
  }

  @Test
  void aRerunKeyThisInstanceDoesNotHold_isAnsweredByTheArchive_withoutLookingUpTheOriginal()
      throws Exception {
    RerunRequest rerun = new RerunRequest(null, "s2");
    SubmissionArchive archive =
        (workspaceId, missionId) -> Optional.of(rerun.fingerprint("gone-from-memory"));
    MissionService service = new MissionService(publisher, store, archive, CLOCK);

    MissionService.Submission replay =
        await(service.rerun(ALICE, "gone-from-memory", rerun, "fork-7"));
    assertThatThrownBy(
            () ->
                await(
                    service.rerun(
                        ALICE, "gone-from-memory", new RerunRequest(null, null), "fork-7")))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.type()).isEqualTo("idempotency-key-reused"));

    assertThat(replay.replayed()).isTrue();
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void aRerunWithoutAKey_isANewForkEachTime_andAMalformedKeyIs400() throws Exception {
    MissionService service = new MissionService(publisher, store, CLOCK);
    String original = finishedMission();

    String first =
        await(service.rerun(ALICE, original, new RerunRequest(null, null), null)).missionId();
    String second =
        await(service.rerun(ALICE, original, new RerunRequest(null, null), null)).missionId();
    assertThatThrownBy(
            () -> service.rerun(ALICE, original, new RerunRequest(null, null), "has space"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));

    assertThat(first).isNotEqualTo(second);
    assertThat(written()).hasSize(2).allSatisfy(r -> assertThat(r.idempotencyKey()).isNull());
  }
}
