package dev.gpilot.api.bench;

import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./gpilot bench submit}: missions accepted per second by {@code POST /api/v1/missions} with N concurrent
 * clients (p50/p99 accept latency), next to the raw Kafka producer's rate for records of the same size, in the
 * same run against the same broker. Prints and saves the numbers.
 *
 * <p>Arguments: apiBaseUrl token bootstrapServers outputFile [clients=64] [seconds=20]
 */
public final class SubmitBenchmark {
  public static void main(String[] args) throws Exception {
    String api = args[0];
    String token = args[1];
    String bootstrap = args[2];
    Path output = Path.of(args[3]);
    int clients = args.length > 4 ? Integer.parseInt(args[4]) : 64;
    int seconds = args.length > 5 ? Integer.parseInt(args[5]) : 20;

    String body = "{\"mission\":\"Benchmark mission: plan a product launch with research, copy and review\","
        + "\"config\":{\"explicitAgents\":[\"agent-scout\",\"content-orchestrator\",\"independent-verifier\"]}}";
    byte[] record = JsonCodec.of(MissionSubmitted.class).encode(new MissionSubmitted(UUID.randomUUID().toString(),
        "default", System.currentTimeMillis(), "Benchmark mission: plan a product launch with research, copy and review",
        MissionConfig.ofAgents(List.of("agent-scout", "content-orchestrator", "independent-verifier")), null,
        "0".repeat(64), "dev"));

    // Warm up the API's JIT and connections before measuring.
    runHttp(api, token, body, clients, 3);
    Result http = runHttp(api, token, body, clients, seconds);
    double producerRate = rawProducer(bootstrap, record, seconds);

    String json = String.format(Locale.ROOT,
        "{\"clients\": %d, \"seconds\": %d, \"accepted\": %d, \"rejected\": %d, \"acceptedPerSecond\": %.1f,"
            + " \"p50Ms\": %.2f, \"p99Ms\": %.2f, \"maxMs\": %.2f, \"recordBytes\": %d,"
            + " \"rawProducerRecordsPerSecond\": %.1f}%n",
        clients, seconds, http.ok, http.failed, http.ok / http.elapsedSeconds, http.percentile(50),
        http.percentile(99), http.percentile(100), record.length, producerRate);
    Files.createDirectories(output.toAbsolutePath().getParent());
    Files.writeString(output, json);
    System.out.print(json);
  }

  record Result(int ok, int failed, double elapsedSeconds, long[] latenciesNanos) {
    double percentile(int p) {
      if (latenciesNanos.length == 0) {
        return Double.NaN;
      }
      long[] sorted = latenciesNanos.clone();
      Arrays.sort(sorted);
      int index = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
      return sorted[Math.max(0, index)] / 1e6;
    }
  }

  static Result runHttp(String api, String token, String body, int clients, int seconds) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long[] latencies = new long[2_000_000];
    AtomicInteger count = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    long start = System.nanoTime();
    long end = start + Duration.ofSeconds(seconds).toNanos();
    CountDownLatch done = new CountDownLatch(clients);
    for (int c = 0; c < clients; c++) {
      pool.execute(() -> {
        HttpRequest request = HttpRequest.newBuilder(URI.create(api + "/api/v1/missions"))
            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
          while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            long took = System.nanoTime() - t0;
            if (response.statusCode() == 202) {
              int i = count.getAndIncrement();
              if (i < latencies.length) {
                latencies[i] = took;
              }
            } else {
              failed.incrementAndGet();
            }
          }
        } catch (Exception e) {
          failed.incrementAndGet();
        } finally {
          done.countDown();
        }
      });
    }
    done.await();
    double elapsed = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    int n = Math.min(count.get(), latencies.length);
    return new Result(count.get(), failed.get(), elapsed, Arrays.copyOf(latencies, n));
  }

  /** The broker's ceiling for the same records: one idempotent acks=all producer, flat out. */
  static double rawProducer(String bootstrap, byte[] record, int seconds) throws Exception {
    String topic = "gpilot.bench.producer." + UUID.randomUUID().toString().substring(0, 8);
    Properties admin = new Properties();
    admin.put("bootstrap.servers", bootstrap);
    try (Admin a = Admin.create(admin)) {
      a.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get();
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
      AtomicLong acked = new AtomicLong();
      Semaphore inFlight = new Semaphore(10_000);
      long start = System.nanoTime();
      long end = start + Duration.ofSeconds(seconds).toNanos();
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
        while (System.nanoTime() < end) {
          inFlight.acquire();
          producer.send(new ProducerRecord<>(topic, UUID.randomUUID().toString(), record), (m, e) -> {
            if (e == null) {
              acked.incrementAndGet();
            }
            inFlight.release();
          });
        }
        producer.flush();
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      a.deleteTopics(List.of(topic)).all().get();
      return acked.get() / elapsed;
    }
  }
}
