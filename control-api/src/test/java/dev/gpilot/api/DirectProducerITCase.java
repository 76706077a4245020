package dev.gpilot.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.jobs.LocalMissionJob;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.Schemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An integration that writes {@code gpilot.missions.v1} itself (SPEC.md section 3), as it would: a
 * plain {@code KafkaProducer<String, String>} and JSON written by hand, no G-Pilot class. The real
 * MissionJob runs the mission and the real API serves it like one submitted over HTTP.
 */
class DirectProducerITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static final String TOKEN = "direct-token";

  private static JobClient job;
  private static ControlApi api;
  private static KafkaProducer<String, String> producer;

  @BeforeAll
  static void start() throws Exception {
    Path checkpoints = Files.createTempDirectory("checkpoints");
    job =
        LocalMissionJob.start(
            MissionJobOptions.of(KAFKA.bootstrapServers(), CLICKHOUSE.url(), CLICKHOUSE.database()),
            LocalMissionJob.localConfiguration(checkpoints, 2, 0, 1000));
    api =
        new ControlApi(
                new ApiOptions(
                    "127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 10_000, 2),
                TokenAuthenticator.of(Map.of(TOKEN, new Principal("default", "tester"))))
            .start();
    // What SPEC.md section 3 asks of an integration's producer: acks=all, idempotent.
    Properties props = new Properties();
    props.put("bootstrap.servers", KAFKA.bootstrapServers());
    props.put("acks", "all");
    props.put("enable.idempotence", "true");
    producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  @AfterAll
  static void stop() throws Exception {
    if (producer != null) {
      producer.close();
    }
    if (api != null) {
      api.close();
    }
    if (job != null) {
      job.cancel().get();
    }
  }

  /** Writes a record as an integration does: key = missionId, the value as JSON text. */
  private static void produce(String missionId, String value) throws Exception {
    producer.send(new ProducerRecord<>("gpilot.missions.v1", missionId, value)).get();
  }

  private static String submitted(String missionId, String mission, String config) {
    return "{\"type\":\"mission.submitted\",\"version\":1,\"id\":\""
        + missionId
        + "\",\"missionId\":\""
        + missionId
        + "\",\"workspaceId\":\"default\",\"ts\":"
        + System.currentTimeMillis()
        + ",\"mission\":\""
        + mission
        + "\",\"config\":"
        + config
        + ",\"submittedBy\":\"crm-sync\"}";
  }

  private static ApiClient client() {
    return new ApiClient(api.port(), TOKEN);
  }

  private static ApiClient.Response get(String path) throws Exception {
    return client().get(path);
  }

  /** The mission's events from {@code /events}, to its final one. */
  private static List<String> eventTypes(String missionId) throws Exception {
    ApiClient.Response events = get("/api/v1/missions/" + missionId + "/events");
    assertThat(events.status()).isEqualTo(200);
    List<String> types = new ArrayList<>();
    for (String line : events.body().split("\n")) {
      if (!line.isBlank()) {
        types.add(Json.mapper().readTree(line).get("type").asText());
      }
    }
    return types;
  }

  private static JsonNode awaitFinished(String missionId) throws Exception {
    return client().awaitFinished(missionId, Duration.ofSeconds(60));
  }

  @Test
  void missionWrittenToTheTopicDirectly_runsAndStreams_likeOneSubmittedOverHttp() throws Exception {
    String missionId = UUID.randomUUID().toString();
    String record =
        submitted(
            missionId,
            "Plan a product launch",
            "{\"explicitAgents\":[\"agent-scout\",\"content-orchestrator\"]}");
    assertThat(Schemas.problems("mission-submitted.v1", Json.mapper().readTree(record))).isEmpty();

    produce(missionId, record);

    JsonNode mission = awaitFinished(missionId);
    assertThat(mission.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(mission.get("workspaceId").asText()).isEqualTo("default");
    assertThat(mission.get("mission").asText()).isEqualTo("Plan a product launch");
    assertThat(mission.get("steps"))
        .extracting(s -> s.get("agent").asText())
        .containsExactly("agent-scout", "content-orchestrator");
    assertThat(eventTypes(missionId))
        .startsWith("mission.accepted", "plan.ready")
        .endsWith("mission.completed");
    ApiClient.Response stream = get("/api/v1/missions/" + missionId + "/stream");
    assertThat(stream.status()).isEqualTo(200);
    List<String> data =
        stream.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    assertThat(Json.mapper().readTree(data.get(0)).get("type").asText()).isEqualTo("start");
    assertThat(data).last().isEqualTo("[DONE]");
  }

  @Test
  void directRecordNamingAnUnknownAgent_isAcceptedThenFailsWithTheReason_whereHttpWouldHaveSaid422()
      throws Exception {
    String missionId = UUID.randomUUID().toString();

    produce(
        missionId,
        submitted(missionId, "Write the newsletter", "{\"explicitAgents\":[\"ghost-writer\"]}"));

    JsonNode mission = awaitFinished(missionId);
    assertThat(mission.get("status").asText()).isEqualTo("FAILED");
    assertThat(mission.get("reason").asText()).contains("invalid plan").contains("ghost-writer");
    assertThat(eventTypes(missionId)).containsExactly("mission.accepted", "mission.failed");
  }

  @Test
  void recordsThatAreNoMission_areSkipped_andTheMissionsAfterThemStillRun() throws Exception {
    String notJson = UUID.randomUUID().toString();
    String noWorkspace = UUID.randomUUID().toString();
    String good = UUID.randomUUID().toString();

    produce(notJson, "this is not JSON");
    produce(
        noWorkspace, submitted(noWorkspace, "x", "{}").replace("\"workspaceId\":\"default\",", ""));
    produce(good, submitted(good, "After the bad ones", "{}"));

    assertThat(awaitFinished(good).get("status").asText()).isEqualTo("COMPLETED");
    assertThat(get("/api/v1/missions/" + notJson).status()).isEqualTo(404);
    assertThat(get("/api/v1/missions/" + noWorkspace).status()).isEqualTo(404);
  }

  @Test
  void aSecondRecordWithTheSameMissionId_isDropped_theMissionRunsOnce() throws Exception {
    String missionId = UUID.randomUUID().toString();
    String record = submitted(missionId, "Run me once", "{\"explicitAgents\":[\"agent-scout\"]}");

    produce(missionId, record);
    assertThat(awaitFinished(missionId).get("status").asText()).isEqualTo("COMPLETED");
    produce(missionId, record); // an integration's retry

    Thread.sleep(2000);
    assertThat(eventTypes(missionId)).filteredOn("mission.accepted"::equals).hasSize(1);
    assertThat(eventTypes(missionId)).filteredOn("mission.completed"::equals).hasSize(1);
  }
}
