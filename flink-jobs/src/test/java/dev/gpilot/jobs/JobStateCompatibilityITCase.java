package dev.gpilot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.StepCompleted;
import dev.gpilot.contracts.events.StepEvent;
import dev.gpilot.contracts.events.StepStarted;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * State compatibility across versions of the whole job, as Flink's own migration tests keep a
 * snapshot per release: {@code src/test/resources/state-compat/<version>/} holds a canonical
 * savepoint that {@link #writeFixture} of that version took (stop-with-savepoint) with one mission
 * finished and one mid-way (its first step done, its second in flight in the agent executor). This
 * version must restore every one of them as {@code ./gpilot upgrade} would — without dropping any
 * state — and finish the mission where it stopped.
 *
 * <p>A fixture is never rewritten. A release that changes state adds its own: {@code mvn -pl
 * flink-jobs -am verify -Dit.test=JobStateCompatibilityITCase
 * -Dgpilot.stateCompat.write=<version>}, then the same without the property restores it with the
 * others (SPEC.md section 4, "Upgrades").
 */
class JobStateCompatibilityITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  static final Path FIXTURES = Path.of("src", "test", "resources", "state-compat");
  static final String DONE = "compat-done";
  static final String IN_FLIGHT = "compat-in-flight";
  static final JsonCodec<MissionEvent> EVENTS = JsonCodec.of(MissionEvent.class);

  @Test
  @EnabledIfSystemProperty(named = "gpilot.stateCompat.write", matches = "[0-9A-Za-z._-]+")
  void writeFixture(@TempDir Path work) throws Exception {
    Path target = FIXTURES.resolve(System.getProperty("gpilot.stateCompat.write"));
    assertThat(target).as("a fixture is never rewritten").doesNotExist();
    JobClient job =
        LocalMissionJob.start(
            options(), LocalMissionJob.localConfiguration(work.resolve("chk"), 2, 0, 500));
    try (KafkaConsumer<byte[], byte[]> events = eventsConsumer()) {
      submit(DONE, new Plan(List.of(step("s1", 10))));
      submit(IN_FLIGHT, new Plan(List.of(step("s1", 10), step("s2", 8_000, "s1"))));
      List<MissionEvent> seen = new ArrayList<>();
      await(
          events,
          seen,
          e -> e.missionId().equals(DONE) && e.type().equals(EventTypes.MISSION_COMPLETED));
      await(
          events,
          seen,
          e ->
              e.missionId().equals(IN_FLIGHT)
                  && e instanceof StepStarted started
                  && "s2".equals(started.stepId()));

      String savepoint =
          job.stopWithSavepoint(
                  false,
                  work.resolve("savepoints").toUri().toString(),
                  SavepointFormatType.CANONICAL)
              .get();

      long lastSeq =
          readAll(events, seen).stream()
              .filter(e -> e.missionId().equals(IN_FLIGHT))
              .mapToLong(MissionEvent::seq)
              .max()
              .orElseThrow();
      copy(Path.of(savepoint.replaceFirst("^file:", "")), target.resolve("savepoint"));
      Properties expected = new Properties();
      expected.setProperty("inFlight.lastSeq", String.valueOf(lastSeq));
      // The savepoint's sources hold offsets into this broker's topics; the restore recreates them
      // this far.
      endOffsets()
          .forEach(
              (tp, end) ->
                  expected.setProperty(
                      "offsets." + tp.topic() + "." + tp.partition(), String.valueOf(end)));
      try (OutputStream out = Files.newOutputStream(target.resolve("fixture.properties"))) {
        expected.store(out, "written by JobStateCompatibilityITCase#writeFixture");
      }
    }
  }

  /**
   * Not while writing a fixture: the restore needs a broker holding no other run's records of the
   * same missions.
   */
  @Test
  @DisabledIfSystemProperty(named = "gpilot.stateCompat.write", matches = ".*")
  void
      savepointsOfEarlierVersions_restoreWithoutDroppingState_andTheMissionInFlightFinishesWhereItStopped(
          @TempDir Path work) throws Exception {
    List<Path> fixtures;
    try (Stream<Path> dirs = Files.list(FIXTURES)) {
      fixtures = dirs.filter(Files::isDirectory).sorted().toList();
    }
    assertThat(fixtures).as("fixtures under %s", FIXTURES.toAbsolutePath()).isNotEmpty();
    for (Path fixture : fixtures) {
      restoresAndFinishes(fixture, work.resolve(fixture.getFileName().toString()));
    }
  }

  private static void restoresAndFinishes(Path fixture, Path work) throws Exception {
    Properties expected = new Properties();
    try (InputStream in = Files.newInputStream(fixture.resolve("fixture.properties"))) {
      expected.load(in);
    }
    long lastSeq = Long.parseLong(expected.getProperty("inFlight.lastSeq"));
    // A copy: the restored job must not touch the checked-in files.
    Path savepoint = copy(fixture.resolve("savepoint"), work.resolve("savepoint"));
    Configuration conf = LocalMissionJob.localConfiguration(work.resolve("chk"), 2, 0, 500);
    conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint.toUri().toString());
    conf.set(
        StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE,
        false); // every operator's state must map

    fillToSavepointOffsets(expected);
    JobClient job = LocalMissionJob.start(options(), conf);
    try (KafkaConsumer<byte[], byte[]> events = eventsConsumer()) {
      List<MissionEvent> seen = new ArrayList<>();
      await(
          events,
          seen,
          e -> e.missionId().equals(IN_FLIGHT) && e.type().equals(EventTypes.MISSION_COMPLETED));

      List<MissionEvent> inFlight =
          seen.stream().filter(e -> e.missionId().equals(IN_FLIGHT)).toList();
      // The scheduler's state came back: the events carry on from the savepoint's last seq, s1 is
      // not run again.
      assertThat(inFlight.get(0).seq())
          .as("%s: first seq after the restore; %s", fixture, inFlight)
          .isEqualTo(lastSeq + 1);
      assertThat(inFlight)
          .extracting(MissionEvent::seq)
          .containsExactlyElementsOf(
              java.util.stream.LongStream.rangeClosed(lastSeq + 1, lastSeq + inFlight.size())
                  .boxed()
                  .toList());
      assertThat(inFlight)
          .noneMatch(e -> e instanceof StepEvent step && "s1".equals(step.stepId()));
      assertThat(inFlight)
          .anyMatch(e -> e instanceof StepCompleted completed && "s2".equals(completed.stepId()));
      assertThat(seen)
          .as("the finished mission stays finished")
          .noneMatch(e -> e.missionId().equals(DONE));
    } finally {
      JobClients.cancelAndAwait(job);
    }
  }

  /**
   * The end offset of every partition of every topic on the broker (the job's topics exist by
   * then).
   */
  private static java.util.Map<TopicPartition, Long> endOffsets() {
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            KAFKA.clientProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.listTopics().values().stream()
              .flatMap(List::stream)
              .filter(p -> !p.topic().startsWith("__"))
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      return consumer.endOffsets(partitions);
    }
  }

  /**
   * Writes filler records (not a contract: the job counts and skips them) until every partition of
   * this broker's topics reaches the offset it had when the savepoint was taken. Without this, a
   * source restored on a fresh broker would sit at an offset the topic has not reached and skip
   * whatever is written below it.
   */
  private static void fillToSavepointOffsets(Properties expected) throws Exception {
    dev.gpilot.contracts.TopicAdmin.ensureTopics(KAFKA.bootstrapServers());
    java.util.Map<TopicPartition, Long> now = endOffsets();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            KAFKA.clientProperties(), new StringSerializer(), new ByteArraySerializer())) {
      for (String key : expected.stringPropertyNames()) {
        if (!key.startsWith("offsets.")) {
          continue;
        }
        String topicPartition = key.substring("offsets.".length());
        int dot = topicPartition.lastIndexOf('.');
        TopicPartition tp =
            new TopicPartition(
                topicPartition.substring(0, dot),
                Integer.parseInt(topicPartition.substring(dot + 1)));
        long target = Long.parseLong(expected.getProperty(key));
        Long end = now.get(tp);
        assertThat(end)
            .as("topic partition %s of the savepoint's broker exists here", tp)
            .isNotNull();
        for (long offset = end; offset < target; offset++) {
          producer
              .send(
                  new ProducerRecord<>(
                      tp.topic(),
                      tp.partition(),
                      null,
                      "state-compat filler".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
              .get();
        }
      }
    }
  }

  private static MissionJobOptions options() {
    return MissionJobOptions.of(KAFKA.bootstrapServers(), CLICKHOUSE.url(), CLICKHOUSE.database());
  }

  private static PlanStep step(String id, long latencyMs, String... deps) {
    ObjectNode parameters = Json.mapper().createObjectNode();
    parameters.putObject("simulate").put("latencyMs", latencyMs);
    return new PlanStep(
        id, "agent-scout", "work " + id, parameters, List.of(deps), null, null, null);
  }

  private static void submit(String missionId, Plan plan) throws Exception {
    MissionSubmitted mission =
        new MissionSubmitted(
            missionId,
            "default",
            System.currentTimeMillis(),
            "state compatibility",
            new MissionConfig(List.of(), plan, null, null, null, null, null),
            null,
            null,
            "test");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            KAFKA.clientProperties(), new StringSerializer(), new ByteArraySerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.MISSIONS, missionId, JsonCodec.of(MissionSubmitted.class).encode(mission)))
          .get();
    }
  }

  private static KafkaConsumer<byte[], byte[]> eventsConsumer() {
    Properties props = KAFKA.clientProperties();
    props.put("group.id", "state-compat-" + System.nanoTime());
    props.put("auto.offset.reset", "earliest");
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(Topics.MISSION_EVENTS));
    return consumer;
  }

  /**
   * Polls until an event matches (at most 3 minutes); every event read lands in {@code seen}, first
   * per seq.
   */
  private static void await(
      KafkaConsumer<byte[], byte[]> consumer,
      List<MissionEvent> seen,
      Predicate<MissionEvent> until) {
    long deadline = System.currentTimeMillis() + 180_000;
    while (seen.stream().noneMatch(until)) {
      assertThat(System.currentTimeMillis())
          .as("awaited event; seen %s", seen)
          .isLessThan(deadline);
      poll(consumer, seen);
    }
  }

  private static List<MissionEvent> readAll(
      KafkaConsumer<byte[], byte[]> consumer, List<MissionEvent> seen) {
    for (int emptyPolls = 0; emptyPolls < 10; ) {
      emptyPolls = poll(consumer, seen) ? 0 : emptyPolls + 1;
    }
    return seen;
  }

  private static boolean poll(KafkaConsumer<byte[], byte[]> consumer, List<MissionEvent> seen) {
    boolean any = false;
    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
      any = true;
      MissionEvent event;
      try {
        event = EVENTS.decode(record.value());
      } catch (RuntimeException filler) {
        continue; // fillToSavepointOffsets
      }
      // At-least-once output: a client keeps the first event per (mission, seq).
      if (seen.stream()
          .noneMatch(e -> e.missionId().equals(event.missionId()) && e.seq() == event.seq())) {
        seen.add(event);
      }
    }
    return any;
  }

  private static Path copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.toList()) {
        Path dest = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(file, dest);
        }
      }
    }
    return to;
  }
}
