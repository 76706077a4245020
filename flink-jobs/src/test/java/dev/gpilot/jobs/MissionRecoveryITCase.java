package dev.gpilot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.StepCompleted;
import dev.gpilot.contracts.events.StepStarted;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.jobs.agents.Agent;
import dev.gpilot.jobs.agents.AgentReply;
import dev.gpilot.jobs.agents.DeltaListener;
import dev.gpilot.jobs.agents.SimulatedAgent;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Crash safety on real parts: the job fails while a 6-step mission is half done, restores from its
 * last checkpoint, and the mission completes without re-running (re-paying) the steps that had
 * finished.
 */
class MissionRecoveryITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  /** Executions per step, across the restart (the MiniCluster runs in this JVM). */
  static final Map<String, AtomicInteger> EXECUTIONS = new ConcurrentHashMap<>();

  static final AtomicBoolean CRASH_ON_S5 = new AtomicBoolean();

  /** The task failure this test injects (as a process crash would). */
  static final class InjectedCrash extends Error {
    InjectedCrash() {
      super("injected failure while the mission is half done");
    }
  }

  /** Counts the calls that really run; throws (failing the task) when armed and asked to run s5. */
  static final class CountingAgent implements Agent {
    private final SimulatedAgent delegate = new SimulatedAgent(0);

    @Override
    public CompletableFuture<AgentReply> call(StepRequest request, DeltaListener deltas) {
      if (request.stepId().equals("s5") && CRASH_ON_S5.compareAndSet(true, false)) {
        // An Error, not an exception: the executor turns exceptions into failed steps, this must
        // fail the task.
        throw new InjectedCrash();
      }
      EXECUTIONS
          .computeIfAbsent(request.missionId() + "/" + request.stepId(), k -> new AtomicInteger())
          .incrementAndGet();
      return delegate.call(request, deltas);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  private static PlanStep step(String id, long latencyMs, String... deps) {
    ObjectNode parameters = Json.mapper().createObjectNode();
    parameters.putObject("simulate").put("latencyMs", latencyMs);
    return new PlanStep(
        id, "agent-scout", "work " + id, parameters, List.of(deps), null, null, null);
  }

  @Test
  void jobFailsHalfway_restoresFromCheckpoint_andFinishedStepsAreNotExecutedAgain()
      throws Exception {
    crashHalfwayAndComplete("recovery-from-checkpoint", 200);
  }

  /**
   * No checkpoint completed before the failure (a slow first checkpoint, or a job killed soon after
   * its start): the job starts over, its source reading the topics from the start (nothing
   * committed), and the steps that finished are still not run again.
   */
  @Test
  void jobFailsBeforeItsFirstCheckpoint_startsOver_andFinishedStepsAreNotExecutedAgain()
      throws Exception {
    crashHalfwayAndComplete("recovery-without-checkpoint", 600_000);
  }

  private static void crashHalfwayAndComplete(String group, long checkpointIntervalMs)
      throws Exception {
    MissionJobOptions options =
        MissionJobOptions.fromEnv(
            Map.of(
                "KAFKA_BOOTSTRAP_SERVERS",
                KAFKA.bootstrapServers(),
                "CLICKHOUSE_URL",
                CLICKHOUSE.url(),
                "CLICKHOUSE_DATABASE",
                CLICKHOUSE.database(),
                "GPILOT_JOB_GROUP_ID",
                group));
    Configuration conf =
        LocalMissionJob.localConfiguration(
            Files.createTempDirectory("chk"), 2, 0, checkpointIntervalMs);
    conf.setString("restart-strategy.type", "fixed-delay");
    conf.setString("restart-strategy.fixed-delay.attempts", "3");
    conf.setString("restart-strategy.fixed-delay.delay", "500 ms");
    JobClient job = LocalMissionJob.start(new MissionJob(options, CountingAgent::new), conf);
    try {
      String missionId = UUID.randomUUID().toString();
      Plan plan =
          new Plan(
              List.of(
                  step("s1", 50),
                  step("s2", 50, "s1"),
                  step("s3", 50, "s2"),
                  step("s4", 3000, "s3"),
                  step("s5", 50, "s4"),
                  step("s6", 50, "s5")));
      MissionSubmitted mission =
          new MissionSubmitted(
              missionId,
              "default",
              System.currentTimeMillis(),
              "recover me",
              new MissionConfig(List.of(), plan, null, null, null, null, null),
              null,
              null,
              "test");
      Properties producerProps = KAFKA.clientProperties();
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer())) {
        producer
            .send(
                new ProducerRecord<>(
                    Topics.MISSIONS,
                    missionId,
                    JsonCodec.of(MissionSubmitted.class).encode(mission)))
            .get();
      }

      Properties props = KAFKA.clientProperties();
      props.put("group.id", group + "-reader");
      props.put("auto.offset.reset", "earliest");
      List<MissionEvent> received = new ArrayList<>();
      JsonCodec<MissionEvent> codec = JsonCodec.of(MissionEvent.class);
      try (KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        consumer.subscribe(List.of(Topics.MISSION_EVENTS));
        long armAt = Long.MAX_VALUE;
        long deadline = System.currentTimeMillis() + 180_000;
        boolean done = false;
        while (!done && System.currentTimeMillis() < deadline) {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            MissionEvent event = codec.decode(record.value());
            if (!event.missionId().equals(missionId)) {
              continue; // another test's mission, on the same topic
            }
            received.add(event);
            if (event instanceof StepStarted started
                && "s4".equals(started.stepId())
                && armAt == Long.MAX_VALUE) {
              // Let a few checkpoints (if any) record s1-s3 as done and s4 in flight, then fail on
              // s5.
              armAt = System.currentTimeMillis() + 1_000;
            }
            done |= event.type().equals(EventTypes.MISSION_COMPLETED);
          }
          if (System.currentTimeMillis() >= armAt) {
            CRASH_ON_S5.set(true);
            armAt = Long.MAX_VALUE - 1;
          }
        }
      }

      assertThat(CRASH_ON_S5.get()).as("the injected failure happened").isFalse();
      // A client keeping the first event per seq sees every event once, with no gap.
      TreeMap<Long, MissionEvent> bySeq = new TreeMap<>();
      received.forEach(e -> bySeq.putIfAbsent(e.seq(), e));
      assertThat(bySeq.firstKey()).isEqualTo(1L);
      assertThat(bySeq.lastKey()).isEqualTo(bySeq.size());
      assertThat(bySeq.lastEntry().getValue().type()).isEqualTo(EventTypes.MISSION_COMPLETED);
      List<String> completed =
          bySeq.values().stream()
              .filter(e -> e instanceof StepCompleted)
              .map(e -> ((StepCompleted) e).stepId())
              .toList();
      assertThat(completed).containsExactly("s1", "s2", "s3", "s4", "s5", "s6");

      // Steps done before the failure ran once; s4, in flight at the checkpoint but finished before
      // the failure,
      // was not paid for twice; s5, interrupted before it ran, ran once after the restore.
      for (String s : List.of("s1", "s2", "s3", "s4", "s5", "s6")) {
        assertThat(EXECUTIONS.get(missionId + "/" + s).get())
            .as("executions of %s", s)
            .isEqualTo(1);
      }
    } finally {
      JobClients.cancelAndAwait(job);
    }
  }
}
