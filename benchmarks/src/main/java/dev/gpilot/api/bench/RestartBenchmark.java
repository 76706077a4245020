package dev.gpilot.api.bench;

import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.contracts.TopicAdmin;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.TestEvents;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./gpilot bench restart [missions] [days]}: how long an API instance takes to start (until
 * it answers: its mission feed caught up with the topics, then the vault's and the control plane's)
 * on topics holding {@code days} days of history, with ClickHouse configured (the feed reads the
 * last day back, the quotas' idle bound) and without (it reads the topics whole).
 *
 * <p>On an in-process Kafka broker ({@link KafkaTestBroker}), it writes {@code missions} missions
 * spread evenly over the last {@code days} days (record timestamps and the records' own times
 * alike), each as an integration and the job would: its submission, then six events (accepted, two
 * steps started and completed with their usage and cost, completed). Then it starts and closes
 * {@link ControlApi} four times in this JVM, alternating with and without ClickHouse, and reports
 * each start's time. The broker shares this JVM (and its two cores with the API), as it shares the
 * machine under {@code ./gpilot up}. Arguments: clickhouseUrl outputFile [missions=500000]
 * [days=7].
 */
public final class RestartBenchmark {
  private static final String TOKEN = "bench-restart-token";

  public static void main(String[] args) {
    BenchMain.exitAfter(args, RestartBenchmark::run);
  }

  private static void run(String[] args) throws Exception {
    String clickhouseUrl = args[0];
    Path output = Path.of(args[1]);
    int missions = BenchMain.intArg(args, 2, 500_000);
    int days = BenchMain.intArg(args, 3, 7);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("startedAt", Instant.now().toString());
    out.put("missions", missions);
    out.put("days", days);
    out.put("recordsPerMission", 7);
    out.put("cores", Runtime.getRuntime().availableProcessors());
    out.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
    out.put("loadAverageAtStart", CostRowsGenerator.loadAverage());

    String database = "bench_restart";
    new ClickHouseClient(clickhouseUrl, "default", Duration.ofSeconds(30))
        .execute("CREATE DATABASE IF NOT EXISTS " + database);

    KafkaTestBroker kafka = new KafkaTestBroker();
    kafka.beforeAll(null);
    try {
      String bootstrap = kafka.bootstrapServers();
      TopicAdmin.ensureTopics(bootstrap);
      long t0 = System.nanoTime();
      long bytes = write(bootstrap, missions, days);
      double writeSeconds = (System.nanoTime() - t0) / 1e9;
      out.put("writeSeconds", round(writeSeconds));
      out.put("bytesWritten", bytes);
      System.out.printf(
          Locale.ROOT,
          "wrote %,d missions (%,d records, %,d bytes) over %d days in %.1f s%n",
          missions,
          missions * 7L,
          bytes,
          days,
          writeSeconds);

      List<Map<String, Object>> starts = new ArrayList<>();
      for (int round = 0; round < 2; round++) {
        for (boolean withClickHouse : new boolean[] {true, false}) {
          ApiOptions options =
              new ApiOptions("127.0.0.1", 0, bootstrap, Path.of("unused"), 200_000, 2);
          if (withClickHouse) {
            options = options.withClickHouse(clickhouseUrl, database);
          }
          System.gc();
          long start = System.nanoTime();
          ControlApi api =
              new ControlApi(
                      options, TokenAuthenticator.of(Map.of(TOKEN, new Principal("default", "b"))))
                  .start();
          double seconds = (System.nanoTime() - start) / 1e9;
          long known = missionsInMemory(api.port());
          api.close();
          String mode = withClickHouse ? "last day (ClickHouse)" : "whole topics (no ClickHouse)";
          System.out.printf(
              Locale.ROOT,
              "start, reading the %s: %.2f s (%,d missions in memory after it)%n",
              mode,
              seconds,
              known);
          Map<String, Object> s = new LinkedHashMap<>();
          s.put("round", round + 1);
          s.put("withClickHouse", withClickHouse);
          s.put("seconds", round(seconds));
          s.put("missionsInMemory", known);
          starts.add(s);
        }
      }
      out.put("starts", starts);
    } finally {
      kafka.afterAll(null);
    }
    out.put("finishedAt", Instant.now().toString());
    Files.createDirectories(output.toAbsolutePath().getParent());
    Files.writeString(
        output, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");
    System.out.println("saved " + output);
  }

  /** The missions and their events, oldest first; returns the bytes written. */
  private static long write(String bootstrap, int missions, int days) throws Exception {
    JsonCodec<MissionSubmitted> submissions = JsonCodec.of(MissionSubmitted.class);
    JsonCodec<MissionEvent> events = JsonCodec.of(MissionEvent.class);
    MissionConfig config = MissionConfig.ofAgents(List.of("agent-scout", "content-orchestrator"));
    Usage usage = new Usage(1_200, 300, 0, 0);
    long now = System.currentTimeMillis();
    long span = Duration.ofDays(days).toMillis();
    long bytes = 0;
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            BenchMain.bulkProducer(bootstrap), new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < missions; i++) {
        long ts = now - span + span * i / missions;
        String id = UUID.randomUUID().toString();
        byte[] submitted =
            submissions.encode(
                new MissionSubmitted(id, "default", ts, "benchmark", config, null, null, "bench"));
        producer.send(new ProducerRecord<>(Topics.MISSIONS, null, ts, id, submitted));
        bytes += submitted.length;
        List<MissionEvent> of =
            List.of(
                TestEvents.of(EventTypes.MISSION_ACCEPTED, id, "default", 1, ts + 1)
                    .status("PLANNING")
                    .mission("benchmark", config)
                    .build(),
                step(EventTypes.STEP_STARTED, id, 2, ts + 2, "s1", "agent-scout").build(),
                step(EventTypes.STEP_COMPLETED, id, 3, ts + 3, "s1", "agent-scout")
                    .cost("gemini-2.5-flash", usage, 1_110)
                    .output(Json.mapper().getNodeFactory().textNode("found it"))
                    .build(),
                step(EventTypes.STEP_STARTED, id, 4, ts + 4, "s2", "content-orchestrator").build(),
                step(EventTypes.STEP_COMPLETED, id, 5, ts + 5, "s2", "content-orchestrator")
                    .cost("gemini-2.5-flash", usage, 1_110)
                    .output(Json.mapper().getNodeFactory().textNode("wrote it"))
                    .build(),
                TestEvents.of(EventTypes.MISSION_COMPLETED, id, "default", 6, ts + 6)
                    .status("COMPLETED")
                    .durationMs(6)
                    .build());
        for (MissionEvent e : of) {
          byte[] value = events.encode(e);
          producer.send(new ProducerRecord<>(Topics.MISSION_EVENTS, null, e.ts(), id, value));
          bytes += value.length;
        }
      }
      producer.flush();
    }
    return bytes;
  }

  /** The API's {@code gpilot_missions_in_memory} gauge, from its {@code /metrics}. */
  private static long missionsInMemory(int port) throws Exception {
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : metrics.split("\n")) {
      if (line.startsWith("gpilot_missions_in_memory ")) {
        return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    throw new IllegalStateException("no gpilot_missions_in_memory in the API's /metrics");
  }

  private static TestEvents.Builder step(
      String type, String missionId, long seq, long ts, String stepId, String agent) {
    return TestEvents.of(type, missionId, "default", seq, ts)
        .status(status(type))
        .step(stepId, agent, 1);
  }

  private static String status(String type) {
    return EventTypes.STEP_COMPLETED.equals(type) ? "SUCCEEDED" : "RUNNING";
  }

  private static double round(double seconds) {
    return Math.round(seconds * 100) / 100.0;
  }
}
