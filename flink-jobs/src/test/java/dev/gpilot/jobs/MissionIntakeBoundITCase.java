package dev.gpilot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
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
 * The bound on missions in flight per scheduler subtask ({@code GPILOT_JOB_MAX_MISSIONS_IN_FLIGHT})
 * on real parts: a burst completes with never more than the bound in flight on a subtask (between
 * {@code mission.accepted} and the mission's final event), checkpoints still complete while a
 * subtask is at its bound with missions waiting, and a cancel reaches a running mission at the
 * bound and frees its slot for the next.
 */
class MissionIntakeBoundITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static final int BOUND = 2;

  private static MissionJobOptions options(String group) {
    return MissionJobOptions.fromEnv(
        Map.of(
            "KAFKA_BOOTSTRAP_SERVERS",
            KAFKA.bootstrapServers(),
            "CLICKHOUSE_URL",
            CLICKHOUSE.url(),
            "CLICKHOUSE_DATABASE",
            CLICKHOUSE.database(),
            "GPILOT_JOB_GROUP_ID",
            group,
            "GPILOT_JOB_MAX_MISSIONS_IN_FLIGHT",
            String.valueOf(BOUND)));
  }

  private static MissionSubmitted mission(String missionId, long stepLatencyMs) {
    ObjectNode parameters = Json.mapper().createObjectNode();
    parameters.putObject("simulate").put("latencyMs", stepLatencyMs);
    Plan plan =
        new Plan(
            List.of(
                new PlanStep("a", "agent-scout", "work", parameters, List.of(), null, null, null)));
    return new MissionSubmitted(
        missionId,
        "default",
        System.currentTimeMillis(),
        "bounded " + missionId,
        new MissionConfig(List.of(), plan, null, null, null, null, null),
        null,
        null,
        "test");
  }

  @Test
  void aBurstOfMissions_allComplete_andNoSubtaskEverHasMoreThanTheBoundInFlight() throws Exception {
    int parallelism = 2;
    Configuration conf =
        LocalMissionJob.localConfiguration(Files.createTempDirectory("chk"), parallelism, 0, 500);
    JobClient job = LocalMissionJob.start(options("bound-burst"), conf);
    try (Events events = new Events("bound-burst-reader");
        KafkaProducer<String, byte[]> producer = producer()) {
      String run = UUID.randomUUID().toString().substring(0, 8);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        ids.add(run + "-" + i);
      }
      for (String id : ids) {
        send(
            producer,
            Topics.MISSIONS,
            id,
            JsonCodec.of(MissionSubmitted.class).encode(mission(id, 300)));
      }

      events.awaitAll(ids, e -> e.isFinal());

      assertThat(ids)
          .allSatisfy(
              id -> assertThat(events.last(id).type()).isEqualTo(EventTypes.MISSION_COMPLETED));
      int maxParallelism = KeyGroupRangeAssignment.computeDefaultMaxParallelism(parallelism);
      Map<Integer, Integer> most =
          mostInFlight(
              events,
              ids,
              id ->
                  KeyGroupRangeAssignment.assignKeyToParallelOperator(
                      id, maxParallelism, parallelism));
      assertThat(most.values())
          .as("most missions in flight at once, per subtask")
          .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(BOUND));
      assertThat(most.values()).as("the burst reached the bound").contains(BOUND);
    } finally {
      JobClients.cancelAndAwait(job);
    }
  }

  @Test
  void atTheBound_checkpointsComplete_andACancelEndsARunningMission_whoseSlotTakesTheNextOne()
      throws Exception {
    Path checkpoints = Files.createTempDirectory("chk");
    JobClient job =
        LocalMissionJob.start(
            options("bound-cancel"), LocalMissionJob.localConfiguration(checkpoints, 1, 0, 200));
    try (Events events = new Events("bound-cancel-reader");
        KafkaProducer<String, byte[]> producer = producer()) {
      String run = UUID.randomUUID().toString().substring(0, 8);
      List<String> slow = List.of(run + "-slow-1", run + "-slow-2");
      List<String> quick = List.of(run + "-quick-1", run + "-quick-2", run + "-quick-3");
      for (String id : slow) {
        send(
            producer,
            Topics.MISSIONS,
            id,
            JsonCodec.of(MissionSubmitted.class).encode(mission(id, 60_000)));
      }
      events.awaitAll(slow, e -> e.type().equals(EventTypes.STEP_STARTED));
      for (String id : quick) {
        send(
            producer,
            Topics.MISSIONS,
            id,
            JsonCodec.of(MissionSubmitted.class).encode(mission(id, 50)));
      }

      // At the bound, the quick missions wait in the scheduler: a checkpoint still completes.
      Optional<Path> before = LocalMissionJob.latestSnapshot(checkpoints);
      long deadline = System.currentTimeMillis() + 60_000;
      while (LocalMissionJob.latestSnapshot(checkpoints).equals(before)
          && System.currentTimeMillis() < deadline) {
        events.poll();
      }
      assertThat(LocalMissionJob.latestSnapshot(checkpoints))
          .as("a checkpoint completed at the bound")
          .isNotEqualTo(before);
      assertThat(quick)
          .as("no quick mission started while both slow ones run")
          .allSatisfy(id -> assertThat(events.of(id)).isEmpty());

      String cancelled = slow.get(0);
      send(
          producer,
          Topics.MISSION_CONTROL,
          cancelled,
          JsonCodec.of(MissionControl.class)
              .encode(
                  new MissionControl(
                      MissionControl.CANCEL,
                      cancelled,
                      "default",
                      "alice",
                      System.currentTimeMillis())));
      events.awaitAll(quick, MissionEvent::isFinal);

      assertThat(events.last(cancelled).type()).isEqualTo(EventTypes.MISSION_CANCELLED);
      assertThat(quick)
          .allSatisfy(
              id -> assertThat(events.last(id).type()).isEqualTo(EventTypes.MISSION_COMPLETED));
      long cancelledAt = events.last(cancelled).ts();
      assertThat(quick)
          .as("the quick missions started once the cancel freed a slot")
          .allSatisfy(
              id -> assertThat(events.of(id).get(0).ts()).isGreaterThanOrEqualTo(cancelledAt));
      List<String> all = new ArrayList<>(slow);
      all.addAll(quick);
      assertThat(mostInFlight(events, all, id -> 0)).containsEntry(0, BOUND);
    } finally {
      JobClients.cancelAndAwait(job);
    }
  }

  /**
   * The most missions in flight at once on each subtask, from their events' times: a mission is in
   * flight from its {@code mission.accepted} to its final event (or to now). Within a millisecond
   * an end counts before a start: the scheduler starts a waiting mission in the same call that
   * ended the one before.
   */
  private static Map<Integer, Integer> mostInFlight(
      Events events, List<String> ids, java.util.function.ToIntFunction<String> subtask) {
    record Edge(int subtask, long ts, int delta) {}
    List<Edge> edges = new ArrayList<>();
    for (String id : ids) {
      List<MissionEvent> of = events.of(id);
      MissionEvent accepted =
          of.stream()
              .filter(e -> e.type().equals(EventTypes.MISSION_ACCEPTED))
              .findFirst()
              .orElseThrow();
      edges.add(new Edge(subtask.applyAsInt(id), accepted.ts(), 1));
      of.stream()
          .filter(MissionEvent::isFinal)
          .findFirst()
          .ifPresent(end -> edges.add(new Edge(subtask.applyAsInt(id), end.ts(), -1)));
    }
    edges.sort(Comparator.comparingLong(Edge::ts).thenComparingInt(Edge::delta));
    Map<Integer, Integer> now = new HashMap<>();
    Map<Integer, Integer> most = new HashMap<>();
    for (Edge e : edges) {
      int n = now.merge(e.subtask(), e.delta(), Integer::sum);
      most.merge(e.subtask(), n, Math::max);
    }
    return most;
  }

  private static KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(
        KAFKA.clientProperties(), new StringSerializer(), new ByteArraySerializer());
  }

  private static void send(
      KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value)
      throws Exception {
    producer.send(new ProducerRecord<>(topic, key, value)).get();
  }

  /**
   * The mission events of this test's missions, by mission, first per seq (a restart may repeat
   * some).
   */
  private static final class Events implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final JsonCodec<MissionEvent> codec = JsonCodec.of(MissionEvent.class);
    private final Map<String, Map<Long, MissionEvent>> byMission = new HashMap<>();

    Events(String group) {
      Properties props = KAFKA.clientProperties();
      props.put("group.id", group);
      props.put("auto.offset.reset", "earliest");
      consumer =
          new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      consumer.subscribe(Set.of(Topics.MISSION_EVENTS));
    }

    void poll() {
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
        MissionEvent e = codec.decode(record.value());
        byMission
            .computeIfAbsent(e.missionId(), k -> new java.util.TreeMap<>())
            .putIfAbsent(e.seq(), e);
      }
    }

    /**
     * Polls until every mission of {@code ids} has an event matching {@code until} (at most 3
     * minutes).
     */
    void awaitAll(List<String> ids, Predicate<MissionEvent> until) {
      long deadline = System.currentTimeMillis() + 180_000;
      while (!ids.stream().allMatch(id -> of(id).stream().anyMatch(until))
          && System.currentTimeMillis() < deadline) {
        poll();
      }
      assertThat(ids).allSatisfy(id -> assertThat(of(id)).anyMatch(until));
    }

    List<MissionEvent> of(String missionId) {
      return List.copyOf(byMission.getOrDefault(missionId, Map.of()).values());
    }

    MissionEvent last(String missionId) {
      List<MissionEvent> of = of(missionId);
      return of.get(of.size() - 1);
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
