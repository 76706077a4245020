package dev.gpilot.api.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.streams.SseFrames.Frame;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.testing.KafkaTestBroker;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An API instance that stops ends its open streams with a last frame that says so and where to
 * resume; a client resumes on another instance with no gap and no duplicate.
 */
class StreamShutdownITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();

  private static final String TOKEN = "test-token-default";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static ControlApi startApi() throws Exception {
    return new ControlApi(
            new ApiOptions("127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 10_000, 2),
            TokenAuthenticator.of(Map.of(TOKEN, new Principal("default", "tester"))))
        .start();
  }

  private static String base(ControlApi api) {
    return "http://127.0.0.1:" + api.port() + "/api/v1/missions/";
  }

  /** Reads lines of a response on a thread of its own until the server ends it. */
  private static CompletableFuture<List<String>> readLines(
      String url, String accept, List<String> into) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            HttpResponse<InputStream> response =
                HTTP.send(
                    HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + TOKEN)
                        .header("Accept", accept)
                        .GET()
                        .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader lines =
                new BufferedReader(
                    new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
              String line;
              while ((line = lines.readLine()) != null) {
                into.add(line);
              }
            }
            return into;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /** SSE lines as frames (id, data); comments skipped. */
  private static List<Frame> frames(List<String> lines) {
    List<Frame> frames = new ArrayList<>();
    String id = null;
    String data = null;
    for (String line : lines) {
      if (line.startsWith("id: ")) {
        id = line.substring(4);
      } else if (line.startsWith("data: ")) {
        data = line.substring(6);
      } else if (line.isEmpty() && data != null) {
        frames.add(new Frame(id, data));
        id = null;
        data = null;
      }
    }
    return frames;
  }

  @Test
  void
      stoppingTheApi_endsEveryStreamWithAFrameNamingWhereToResume_andAnotherInstanceContinuesExactly()
          throws Exception {
    ControlApi first = startApi();
    ControlApi second = null;
    try (MissionEvents m = new MissionEvents(KAFKA.bootstrapServers(), "default")) {
      m.accepted("Outlive a deploy")
          .plan("s1:agent-scout", "s2:seo-analyst<s1")
          .started("s1", "agent-scout", 1)
          .delta("s1", "agent-scout", 1, "Hello ");
      String sseUrl = base(first) + m.missionId() + "/stream";
      List<String> sseLines = new CopyOnWriteArrayList<>();
      List<String> ndjsonLines = new CopyOnWriteArrayList<>();
      CompletableFuture<List<String>> sse = readLines(sseUrl, "text/event-stream", sseLines);
      CompletableFuture<List<String>> ndjson =
          readLines(base(first) + m.missionId() + "/events", "application/x-ndjson", ndjsonLines);
      CompletableFuture<JsonNode> sdk = NodeStreamClient.sseAsync(sseUrl, TOKEN);
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                assertThat(first.openStreams()).isEqualTo(3);
                assertThat(frames(sseLines))
                    .anySatisfy(f -> assertThat(f.data()).contains("Hello "));
                assertThat(ndjsonLines).hasSize(4);
              });

      first.close();

      List<Frame> before = frames(sse.get(30, TimeUnit.SECONDS));
      Frame last = before.get(before.size() - 1);
      Frame lastChunk = before.get(before.size() - 2);
      assertThat(last.id())
          .as("the final frame has no id: Last-Event-ID stays on the last chunk")
          .isNull();
      JsonNode error = Json.mapper().readTree(last.data());
      assertThat(error.get("type").asText()).isEqualTo("error");
      assertThat(error.get("errorText").asText())
          .contains("shutting down")
          .endsWith("reconnect with Last-Event-ID: " + lastChunk.id());
      assertThat(before).noneMatch(f -> f.data().equals("[DONE]"));

      List<String> events = ndjson.get(30, TimeUnit.SECONDS);
      JsonNode why = Json.mapper().readTree(events.get(events.size() - 1));
      assertThat(why.get("type").asText()).isEqualTo("stream.error");
      assertThat(why.get("detail").asText()).contains("shutting down").contains("?after=4");
      assertThat(why.get("lastSeq").asLong()).isEqualTo(4);

      // The AI SDK reads it as a valid stream that ended with an error (useChat: status "error",
      // then resume).
      JsonNode read = sdk.get(60, TimeUnit.SECONDS);
      assertThat(read.get("invalid")).as("the AI SDK client's result: %s", read).isEmpty();
      assertThat(read.get("strict")).isEmpty();
      assertThat(read.get("done").asBoolean()).isFalse();
      assertThat(NodeStreamClient.types(read)).last().isEqualTo("error");
      assertThat(read.get("errors").toString()).contains("shutting down");

      // The mission goes on while no instance serves it; the client resumes on another one.
      m.delta("s1", "agent-scout", 1, "world")
          .completed("s1", "agent-scout", 1, "Hello world", 10)
          .started("s2", "seo-analyst", 1)
          .completed("s2", "seo-analyst", 1, "ranked", 10)
          .missionEnd("mission.completed", "COMPLETED", null);
      second = startApi();
      String resumedUrl = base(second) + m.missionId() + "/stream";

      List<Frame> rest = SseFrames.read(resumedUrl, TOKEN, lastChunk.id());

      List<Frame> joined = new ArrayList<>(before.subList(0, before.size() - 1));
      joined.addAll(rest);
      assertThat(joined).containsExactlyElementsOf(SseFrames.read(resumedUrl, TOKEN, null));
      List<String> afterSeq4 = new ArrayList<>();
      readLines(
              base(second) + m.missionId() + "/events?after=" + why.get("lastSeq").asLong(),
              "application/x-ndjson",
              afterSeq4)
          .get(30, TimeUnit.SECONDS);
      assertThat(afterSeq4)
          .extracting(l -> Json.mapper().readTree(l).get("seq").asLong())
          .containsExactly(5L, 6L, 7L, 8L, 9L);
    } finally {
      first.close(); // idempotent
      if (second != null) {
        second.close();
      }
    }
  }
}
