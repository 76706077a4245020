package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.contracts.TopicAdmin;
import dev.gpilot.contracts.Topics;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * After a restart, an API with ClickHouse reads back only the last day of the topics (what its
 * quotas count), so its start does not grow with the topics' whole retention; older missions are
 * ClickHouse's to serve. An API without ClickHouse still reads the topics whole: they are all it
 * has.
 */
class MissionFeedLookbackITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  private static final String TOKEN = "lookback-token";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String OLD = UUID.randomUUID().toString();
  private static final String RECENT = UUID.randomUUID().toString();

  /** Two submissions written as an integration would, one of them two days ago. */
  @BeforeAll
  static void writeHistory() throws Exception {
    TopicAdmin.ensureTopics(KAFKA.bootstrapServers());
    Properties props = new Properties();
    props.put("bootstrap.servers", KAFKA.bootstrapServers());
    props.put("acks", "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      long twoDaysAgo = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
      producer
          .send(
              new ProducerRecord<>(
                  Topics.MISSIONS, null, twoDaysAgo, OLD, submitted(OLD, twoDaysAgo)))
          .get();
      long now = System.currentTimeMillis();
      producer.send(new ProducerRecord<>(Topics.MISSIONS, RECENT, submitted(RECENT, now))).get();
    }
  }

  private static String submitted(String missionId, long ts) {
    return "{\"type\":\"mission.submitted\",\"version\":1,\"id\":\""
        + missionId
        + "\",\"missionId\":\""
        + missionId
        + "\",\"workspaceId\":\"default\",\"ts\":"
        + ts
        + ",\"mission\":\"Summarise the week\",\"submittedBy\":\"crm-sync\"}";
  }

  private static ControlApi api(boolean withClickHouse) throws Exception {
    ApiOptions options =
        new ApiOptions("127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 10_000, 2);
    return new ControlApi(
            withClickHouse
                ? options.withClickHouse(CLICKHOUSE.url(), CLICKHOUSE.database())
                : options,
            TokenAuthenticator.of(Map.of(TOKEN, new Principal("default", "tester"))))
        .start();
  }

  private static int status(ControlApi api, String missionId) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + api.port() + "/api/v1/missions/" + missionId))
                .header("Authorization", "Bearer " + TOKEN)
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void withClickHouse_theFeedSkipsWhatIsOlderThanADay() throws Exception {
    try (ControlApi api = api(true)) {
      assertThat(status(api, RECENT)).isEqualTo(200);
      // Neither read from the topic nor stored in ClickHouse (no job ran): unknown.
      assertThat(status(api, OLD)).isEqualTo(404);
    }
  }

  @Test
  void withoutClickHouse_theFeedReadsTheTopicsWhole() throws Exception {
    try (ControlApi api = api(false)) {
      assertThat(status(api, RECENT)).isEqualTo(200);
      assertThat(status(api, OLD)).isEqualTo(200);
    }
  }
}
