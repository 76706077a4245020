package dev.gpilot.api.streams;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.testing.TestEvents;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes one mission's events to {@code gpilot.mission-events.v1} the way the MissionJob does (key
 * missionId, seq 1, 2, 3, ...), for stream tests that need events the job does not make yet
 * (deltas, parallel steps, cancellation) or at a pace the test controls.
 */
public final class MissionEvents implements AutoCloseable {
  private static final JsonCodec<MissionEvent> CODEC = JsonCodec.of(MissionEvent.class);

  private final KafkaProducer<String, byte[]> producer;
  private final String missionId;
  private final String workspaceId;
  private final List<MissionEvent> written = new ArrayList<>();
  private long seq;

  public MissionEvents(String bootstrapServers, String workspaceId) {
    this(bootstrapServers, workspaceId, UUID.randomUUID().toString());
  }

  /**
   * The events of a mission that exists already (submitted over HTTP, say), as the job would write
   * them.
   */
  public MissionEvents(String bootstrapServers, String workspaceId, String missionId) {
    this.missionId = missionId;
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    this.workspaceId = workspaceId;
  }

  public String missionId() {
    return missionId;
  }

  public List<MissionEvent> written() {
    return written;
  }

  public TestEvents.Builder next(String type) {
    return TestEvents.of(type, missionId, workspaceId, ++seq, System.currentTimeMillis());
  }

  /** Writes events and waits until the broker has them. */
  public MissionEvents send(TestEvents.Builder... events) throws Exception {
    for (TestEvents.Builder b : events) {
      MissionEvent e = b.build();
      producer.send(new ProducerRecord<>(Topics.MISSION_EVENTS, missionId, CODEC.encode(e))).get();
      written.add(e);
    }
    return this;
  }

  public MissionEvents accepted(String text) throws Exception {
    return send(next("mission.accepted").status("PLANNING").mission(text, MissionConfig.DEFAULT));
  }

  /** A plan: each step as "id:agent" or "id:agent<dep1,dep2". */
  public MissionEvents plan(String... steps) throws Exception {
    List<PlanStep> plan = new ArrayList<>();
    for (String s : steps) {
      String[] idAgent = s.split("<", 2)[0].split(":");
      List<String> deps =
          s.contains("<") ? Arrays.asList(s.split("<", 2)[1].split(",")) : List.of();
      plan.add(new PlanStep(idAgent[0], idAgent[1], "work", null, deps, null, null, null));
    }
    return send(next("plan.ready").plan(new Plan(plan)));
  }

  public MissionEvents started(String step, String agent, int attempt) throws Exception {
    return send(next("step.started").step(step, agent, attempt).status("RUNNING"));
  }

  public MissionEvents delta(String step, String agent, int attempt, String text) throws Exception {
    return send(next("step.delta").step(step, agent, attempt).text(text));
  }

  public MissionEvents completed(
      String step, String agent, int attempt, String text, long costMicros) throws Exception {
    return send(
        next("step.completed")
            .step(step, agent, attempt)
            .status("SUCCEEDED")
            .output(mapOf("text", text))
            .durationMs(5)
            .cost("gemini-2.5-flash", new Usage(100, 20, 5, 10), costMicros));
  }

  public MissionEvents missionEnd(String type, String status, String reason) throws Exception {
    TestEvents.Builder b = next(type).status(status).durationMs(50);
    if (reason != null) {
      b.reason(reason);
    }
    return send(b);
  }

  private static com.fasterxml.jackson.databind.JsonNode mapOf(String key, String value) {
    com.fasterxml.jackson.databind.node.ObjectNode node =
        dev.gpilot.contracts.json.Json.mapper().createObjectNode();
    node.set(key, TextNode.valueOf(value));
    return node;
  }

  @Override
  public void close() {
    producer.close();
  }
}
