package dev.gpilot.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.testing.ApiClient;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.KafkaTestBroker;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /metrics} as Prometheus scrapes it: requests counted by route template and status
 * (never by the ids in the path), open streams, the feeds, the mission producer's own metrics, the
 * JVM; served without a token and carrying none.
 */
class MetricsITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();

  private static final String TOKEN = "test-token-metrics";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static ApiClient.Response send(
      ControlApi api, String method, String path, String token, String body) throws Exception {
    return new ApiClient(api.port(), token).send(method, path, body);
  }

  /**
   * The value of the first sample whose line matches {@code name{labels…}}, labels given as regex
   * fragments.
   */
  private static OptionalDouble sample(String scrape, String name, String... labels) {
    StringBuilder regex = new StringBuilder("^").append(Pattern.quote(name)).append("(?:\\{");
    for (String label : labels) {
      regex.append("(?=[^\\n]*").append(label).append(")");
    }
    regex.append("[^\\n]*\\})").append(labels.length == 0 ? "?" : "").append(" (\\S+)$");
    Pattern line = Pattern.compile(regex.toString(), Pattern.MULTILINE);
    var m = line.matcher(scrape);
    return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
  }

  @Test
  void scrape_countsRequestsByRouteAndStatus_streamsFeedsProducerAndJvm_withoutAToken()
      throws Exception {
    try (ControlApi api =
        new ControlApi(
                new ApiOptions(
                    "127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 10_000, 2),
                TokenAuthenticator.of(Map.of(TOKEN, new Principal("default", "tester"))))
            .start()) {
      ApiClient.Response accepted =
          send(
              api,
              "POST",
              "/api/v1/missions",
              TOKEN,
              "{\"mission\":\"Measure me\",\"config\":{\"explicitAgents\":[\"agent-scout\"]}}");
      assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
      String missionId = Json.mapper().readTree(accepted.body()).get("missionId").asText();
      for (String unknown : List.of("m-unknown-1", "m-unknown-2", "m-unknown-3")) {
        assertThat(send(api, "GET", "/api/v1/missions/" + unknown, TOKEN, null).status())
            .isEqualTo(404);
      }
      assertThat(send(api, "GET", "/api/v1/missions/" + missionId, null, null).status())
          .isEqualTo(401);
      assertThat(send(api, "GET", "/api/v1/no-such-thing", TOKEN, null).status()).isEqualTo(404);

      // A stream that stays open (no job runs the mission): the gauge counts it while it is open.
      CompletableFuture<HttpResponse<InputStream>> stream =
          HTTP.sendAsync(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:"
                              + api.port()
                              + "/api/v1/missions/"
                              + missionId
                              + "/stream"))
                  .header("Authorization", "Bearer " + TOKEN)
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      try {
        await()
            .atMost(Duration.ofSeconds(20))
            .ignoreExceptions()
            .untilAsserted(
                () -> {
                  ApiClient.Response metrics = send(api, "GET", "/metrics", null, null);
                  assertThat(metrics.status()).isEqualTo(200);
                  assertThat(sample(metrics.body(), "gpilot_streams_open")).hasValue(1.0);
                  // The one mission submitted above, held in memory.
                  assertThat(sample(metrics.body(), "gpilot_missions_in_memory")).hasValue(1.0);
                });
      } finally {
        stream.thenAccept(
            r -> {
              try {
                r.body().close();
              } catch (java.io.IOException e) {
                // closing the test's own stream
              }
            });
      }

      ApiClient.Response metrics = send(api, "GET", "/metrics", null, null);
      assertThat(metrics.status()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
      String scrape = metrics.body();
      assertThat(
              sample(
                  scrape,
                  "http_server_requests_seconds_count",
                  "method=\"GET\"",
                  "route=\"/api/v1/missions/\\{id\\}\"",
                  "status=\"404\""))
          .as(scrape)
          .hasValue(3.0);
      assertThat(
              sample(
                  scrape,
                  "http_server_requests_seconds_count",
                  "method=\"POST\"",
                  "route=\"/api/v1/missions\"",
                  "status=\"202\""))
          .hasValue(1.0);
      assertThat(sample(scrape, "http_server_requests_seconds_count", "status=\"401\""))
          .hasValue(1.0);
      assertThat(
              sample(
                  scrape,
                  "http_server_requests_seconds_count",
                  "route=\"unmatched\"",
                  "status=\"404\""))
          .hasValue(1.0);
      assertThat(
              sample(
                  scrape,
                  "http_server_requests_seconds_bucket",
                  "route=\"/api/v1/missions\"",
                  "status=\"202\"",
                  "le=\"\\+Inf\""))
          .as("a latency histogram")
          .hasValue(1.0);
      assertThat(scrape)
          .as("ids in paths never become labels")
          .doesNotContain("m-unknown-1", missionId);
      assertThat(scrape).as("no token in the metrics").doesNotContain(TOKEN);
      assertThat(sample(scrape, "kafka_producer_record_send_total", "client=\"missions\""))
          .isPresent();
      assertThat(
              sample(scrape, "kafka_producer_record_send_total", "client=\"missions\"")
                  .getAsDouble())
          .isGreaterThanOrEqualTo(1.0);
      assertThat(sample(scrape, "gpilot_feed_behind_seconds", "feed=\"missions\"")).isPresent();
      assertThat(sample(scrape, "gpilot_feed_behind_seconds", "feed=\"vault\"")).isPresent();
      assertThat(sample(scrape, "jvm_memory_used_bytes", "area=\"heap\"")).isPresent();
    }
  }
}
