package dev.gpilot.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.jobs.agents.AgentOptions;
import dev.gpilot.jobs.agents.gemini.ApiKey;
import dev.gpilot.jobs.agents.gemini.DeploymentKey;
import dev.gpilot.jobs.agents.gemini.GeminiOptions;
import dev.gpilot.standin.CallRecord;
import dev.gpilot.standin.Fault;
import dev.gpilot.standin.GeminiStandin;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Missions on the MissionJob (MiniCluster, Kafka, google-genai) against the Gemini stand-in, seen
 * from the stand-in's call log: every call says which mission, step and attempt it is for, and a
 * storm of 429s with Retry-After is waited out step by step, without a burst of calls, and the
 * missions complete after it.
 */
class MissionRetryITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();
  private static final JsonCodec<MissionEvent> EVENTS = JsonCodec.of(MissionEvent.class);
  private static final Set<String> FINAL =
      Set.of(
          EventTypes.MISSION_COMPLETED,
          EventTypes.MISSION_FAILED,
          EventTypes.MISSION_CANCELLED,
          EventTypes.MISSION_TIMED_OUT);

  private static GeminiStandin standin;
  private static JobClient job;

  @BeforeAll
  static void start() throws Exception {
    standin = GeminiStandin.start(0);
    MissionJobOptions options =
        MissionJobOptions.of(KAFKA.bootstrapServers(), CLICKHOUSE.url(), CLICKHOUSE.database())
            .withAgents(
                AgentOptions.gemini(
                        GeminiOptions.of(
                            DeploymentKey.insecureInJobGraph(ApiKey.of("retry-itcase-key")),
                            standin.baseUrl()))
                    .withRetries(3, Duration.ofMillis(50), Duration.ofMillis(200)))
            .withRetryBaseDelay(Duration.ofMillis(200));
    job =
        LocalMissionJob.start(
            new MissionJob(options),
            LocalMissionJob.localConfiguration(Files.createTempDirectory("chk"), 2, 0, 1_000));
  }

  @AfterAll
  static void stop() throws Exception {
    if (job != null) {
      JobClients.cancelAndAwait(job);
    }
    standin.close();
  }

  @BeforeEach
  void reset() {
    standin.clearFaults();
  }

  @Test
  void everyCallSaysItsMissionStepAndAttempt_theOverseersPlanningStep_andARetriedAttempt()
      throws Exception {
    // s1's first attempt: its call and 3 calls again within the attempt all fail; the scheduler
    // runs attempt 2.
    standin.inject(Fault.httpError(503).matching("Your step (s1)").repeat(4));
    String id =
        submit(
            "identity",
            new MissionConfig(
                List.of("agent-scout", "seo-analyst"), null, null, null, null, null, null));

    assertThat(awaitFinal(List.of(id))).containsEntry(id, EventTypes.MISSION_COMPLETED);
    List<CallRecord> calls = callsOf(Set.of(id));
    assertThat(calls)
        .extracting(CallRecord::stepId, CallRecord::attempt, CallRecord::status)
        .containsExactly(
            tuple("_plan", 1, 200),
            tuple("s1", 1, 503),
            tuple("s1", 1, 503),
            tuple("s1", 1, 503),
            tuple("s1", 1, 503),
            tuple("s1", 2, 200),
            tuple("s2", 1, 200));
  }

  @Test
  void
      stormOf429WithRetryAfter_eachStepWaitsAtLeastTheRetryAfter_theCallsStayBounded_andMissionsComplete()
          throws Exception {
    long stormMs = 10_000;
    long retryAfterMs = 2_000;
    long stormStart = System.currentTimeMillis();
    standin.inject(Fault.httpError(429).retryAfter((int) (retryAfterMs / 1000)).lasting(stormMs));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(
          submit(
              "storm " + i,
              new MissionConfig(
                  List.of(),
                  new Plan(
                      List.of(
                          new PlanStep(
                              "scout",
                              "agent-scout",
                              "find the audience",
                              null,
                              List.of(),
                              null,
                              null,
                              null),
                          new PlanStep(
                              "seo",
                              "seo-analyst",
                              "score the page",
                              null,
                              List.of(),
                              null,
                              null,
                              null),
                          new PlanStep(
                              "audit",
                              "ui-auditor",
                              "audit the shop",
                              null,
                              List.of(),
                              null,
                              null,
                              null))),
                  null,
                  null,
                  null,
                  null,
                  null)));
    }
    int steps = ids.size() * 3;

    Map<String, String> outcomes = awaitFinal(ids);
    long stormEnd = stormStart + stormMs;

    assertThat(outcomes.values()).hasSize(ids.size()).containsOnly(EventTypes.MISSION_COMPLETED);
    List<CallRecord> calls = callsOf(Set.copyOf(ids));
    Map<String, List<CallRecord>> byStep =
        calls.stream().collect(Collectors.groupingBy(c -> c.missionId() + "/" + c.stepId()));
    assertThat(byStep).hasSize(steps);
    List<Long> firstWaits = new ArrayList<>();
    for (List<CallRecord> step : byStep.values()) {
      for (int i = 1; i < step.size(); i++) {
        CallRecord before = step.get(i - 1);
        if (before.status() == 429) {
          assertThat(step.get(i).at() - before.at())
              .as("wait after a 429 of %s", before.stepId())
              .isGreaterThanOrEqualTo(retryAfterMs - 50);
        }
      }
      if (step.size() > 1) {
        firstWaits.add(step.get(1).at() - step.get(0).at());
      }
      assertThat(step.get(step.size() - 1).status()).isEqualTo(200);
    }
    // A storm shorter than the step timeout costs no attempt: every call is of attempt 1.
    assertThat(calls).extracting(CallRecord::attempt).containsOnly(1);
    long duringStorm = calls.stream().filter(c -> c.at() < stormEnd).count();
    assertThat(duringStorm)
        .as("calls during the storm")
        .isGreaterThanOrEqualTo(steps * 3L)
        .isLessThanOrEqualTo(steps * (stormMs / retryAfterMs + 1));
    // Steps rate-limited at the same moment come back spread out (jitter), not in one burst.
    assertThat(firstWaits).hasSize(steps);
    assertThat(
            firstWaits.stream().mapToLong(Long::longValue).max().getAsLong()
                - firstWaits.stream().mapToLong(Long::longValue).min().getAsLong())
        .as("spread of the first waits")
        .isGreaterThan(100);
  }

  private static String submit(String mission, MissionConfig config) throws Exception {
    String id = UUID.randomUUID().toString();
    MissionSubmitted submitted =
        new MissionSubmitted(
            id, "default", System.currentTimeMillis(), mission, config, null, null, "test");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            KAFKA.clientProperties(), new StringSerializer(), new ByteArraySerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.MISSIONS, id, JsonCodec.of(MissionSubmitted.class).encode(submitted)))
          .get();
    }
    return id;
  }

  /** The final event type of each mission, once all have one (at most 2 minutes). */
  private static Map<String, String> awaitFinal(Collection<String> missionIds) {
    Properties props = KAFKA.clientProperties();
    props.put("group.id", "retry-reader-" + UUID.randomUUID());
    props.put("auto.offset.reset", "earliest");
    Map<String, String> finals = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.MISSION_EVENTS));
      long deadline = System.currentTimeMillis() + 120_000;
      while (finals.size() < missionIds.size() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          MissionEvent event = EVENTS.decode(record.value());
          if (missionIds.contains(event.missionId()) && FINAL.contains(event.type())) {
            finals.put(event.missionId(), event.type());
          }
        }
      }
    }
    return finals;
  }

  /** The stand-in's calls for these missions, in the order it answered them. */
  private static List<CallRecord> callsOf(Set<String> missionIds) {
    return standin.calls().stream()
        .filter(c -> missionIds.contains(c.missionId()))
        .sorted(Comparator.comparingLong(CallRecord::seq))
        .toList();
  }
}
