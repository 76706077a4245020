package dev.gpilot.api.bench;

import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
 * <p>Bulk: missions accepted per second by {@code POST /api/v1/missions/batch} in batches of 1,000 with a few
 * concurrent clients (p50/p99 per batch), and their share of the raw producer's rate: the two take turns in
 * {@value #ROUNDS} rounds of seconds/{@value #ROUNDS} each, and the rates are over all rounds.
 *
 * <p>Arguments: apiBaseUrl token bootstrapServers outputFile [clients=64] [seconds=20] [bulkClients=4]
 */
public final class SubmitBenchmark {
  static final int BATCH_LINES = 1_000;
  static final int ROUNDS = 3;

  public static void main(String[] args) throws Exception {
    int clients = args.length > 4 ? Integer.parseInt(args[4]) : 64;
    int seconds = args.length > 5 ? Integer.parseInt(args[5]) : 20;
    int bulkClients = args.length > 6 ? Integer.parseInt(args[6]) : 4;
    run(args[0], args[1], args[2], Path.of(args[3]), clients, seconds, bulkClients);
  }

  /** Runs the three measurements one after the other against the same broker; prints and saves the JSON. */
  static String run(String api, String token, String bootstrap, Path output, int clients, int seconds,
      int bulkClients) throws Exception {
    String body = "{\"mission\":\"Benchmark mission: plan a product launch with research, copy and review\","
        + "\"config\":{\"explicitAgents\":[\"agent-scout\",\"content-orchestrator\",\"independent-verifier\"]}}";
    byte[] record = JsonCodec.of(MissionSubmitted.class).encode(new MissionSubmitted(UUID.randomUUID().toString(),
        "default", System.currentTimeMillis(), "Benchmark mission: plan a product launch with research, copy and review",
        MissionConfig.ofAgents(List.of("agent-scout", "content-orchestrator", "independent-verifier")), null,
        "0".repeat(64), "dev"));
    String batch = (body + "\n").repeat(BATCH_LINES);

    // Warm up the API's JIT and connections before measuring.
    runHttp(api, token, body, clients, 3);
    runBulk(api, token, batch, bulkClients, 3);
    Result http = runHttp(api, token, body, clients, seconds);
    // Bulk and the raw producer take turns, so that a load on the machine that changes during the run weighs on both.
    Result bulk = new Result(0, 0, 0, new long[0]);
    Result raw = new Result(0, 0, 0, new long[0]);
    try (RawProducer producer = new RawProducer(bootstrap, record)) {
      producer.run(3); // warm-up
      for (int round = 0; round < ROUNDS; round++) {
        bulk = bulk.plus(runBulk(api, token, batch, bulkClients, Math.max(1, seconds / ROUNDS)));
        raw = raw.plus(producer.run(Math.max(1, seconds / ROUNDS)));
      }
    }
    double producerRate = raw.ok / raw.elapsedSeconds;

    double bulkRate = bulk.ok / bulk.elapsedSeconds;
    String json = String.format(Locale.ROOT,
        "{\"clients\": %d, \"seconds\": %d, \"accepted\": %d, \"rejected\": %d, \"acceptedPerSecond\": %.1f,"
            + " \"p50Ms\": %.2f, \"p99Ms\": %.2f, \"maxMs\": %.2f, \"recordBytes\": %d,"
            + " \"bulkClients\": %d, \"bulkBatchLines\": %d, \"bulkAccepted\": %d, \"bulkRejected\": %d,"
            + " \"bulkAcceptedPerSecond\": %.1f, \"bulkBatchP50Ms\": %.2f, \"bulkBatchP99Ms\": %.2f,"
            + " \"rawProducerRecordsPerSecond\": %.1f, \"bulkShareOfRawProducer\": %.3f}%n",
        clients, seconds, http.ok, http.failed, http.ok / http.elapsedSeconds, http.percentile(50),
        http.percentile(99), http.percentile(100), record.length, bulkClients, BATCH_LINES, bulk.ok, bulk.failed,
        bulkRate, bulk.percentile(50), bulk.percentile(99), producerRate, bulkRate / producerRate);
    Files.createDirectories(output.toAbsolutePath().getParent());
    Files.writeString(output, json);
    System.out.print(json);
    return json;
  }

  record Result(int ok, int failed, double elapsedSeconds, long[] latenciesNanos) {
    Result plus(Result other) {
      long[] all = Arrays.copyOf(latenciesNanos, latenciesNanos.length + other.latenciesNanos.length);
      System.arraycopy(other.latenciesNanos, 0, all, latenciesNanos.length, other.latenciesNanos.length);
      return new Result(ok + other.ok, failed + other.failed, elapsedSeconds + other.elapsedSeconds, all);
    }

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

  /**
   * Clients that post the same batch of {@link #BATCH_LINES} missions over and over: {@code ok} counts the accepted
   * missions ({@code Gpilot-Accepted}), {@code failed} the rest, latencies are per batch.
   */
  static Result runBulk(String api, String token, String batch, int clients, int seconds) throws Exception {
    byte[] bytes = batch.getBytes(StandardCharsets.UTF_8); // encoded once: the client's cost is not the API's
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long[] latencies = new long[1_000_000];
    AtomicInteger batches = new AtomicInteger();
    AtomicInteger accepted = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    long start = System.nanoTime();
    long end = start + Duration.ofSeconds(seconds).toNanos();
    CountDownLatch done = new CountDownLatch(clients);
    for (int c = 0; c < clients; c++) {
      pool.execute(() -> {
        HttpRequest request = HttpRequest.newBuilder(URI.create(api + "/api/v1/missions/batch"))
            .header("Authorization", "Bearer " + token).header("Content-Type", "application/x-ndjson")
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
        try {
          while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            long took = System.nanoTime() - t0;
            int ok = response.statusCode() == 200
                ? Integer.parseInt(response.headers().firstValue("Gpilot-Accepted").orElse("0")) : 0;
            accepted.addAndGet(ok);
            failed.addAndGet(BATCH_LINES - ok);
            int i = batches.getAndIncrement();
            if (i < latencies.length) {
              latencies[i] = took;
            }
          }
        } catch (Exception e) {
          failed.addAndGet(BATCH_LINES);
        } finally {
          done.countDown();
        }
      });
    }
    done.await();
    double elapsed = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    int n = Math.min(batches.get(), latencies.length);
    return new Result(accepted.get(), failed.get(), elapsed, Arrays.copyOf(latencies, n));
  }

  /**
   * The broker's ceiling for the same records: one idempotent acks=all producer, flat out, on a topic of its own with
   * the missions topic's 4 partitions. Created and warmed up (metadata, producer id) once, before any round is timed.
   */
  static final class RawProducer implements AutoCloseable {
    private final String topic = "gpilot.bench.producer." + UUID.randomUUID().toString().substring(0, 8);
    private final Admin admin;
    private final KafkaProducer<String, byte[]> producer;
    private final byte[] record;

    RawProducer(String bootstrap, byte[] record) throws Exception {
      this.record = record;
      Properties props = new Properties();
      props.put("bootstrap.servers", bootstrap);
      admin = Admin.create(props);
      admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get();
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
      producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
      for (int i = 0; i < 100; i++) {
        producer.send(new ProducerRecord<>(topic, UUID.randomUUID().toString(), record)).get();
      }
    }

    /** Sends for {@code seconds} with at most 10,000 records in flight; {@code ok} = acked, up to the last ack. */
    Result run(int seconds) throws Exception {
      AtomicInteger acked = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      Semaphore inFlight = new Semaphore(10_000);
      long start = System.nanoTime();
      long end = start + Duration.ofSeconds(seconds).toNanos();
      while (System.nanoTime() < end) {
        inFlight.acquire();
        producer.send(new ProducerRecord<>(topic, UUID.randomUUID().toString(), record), (m, e) -> {
          if (e == null) {
            acked.incrementAndGet();
          } else {
            failed.incrementAndGet();
          }
          inFlight.release();
        });
      }
      producer.flush();
      return new Result(acked.get(), failed.get(), (System.nanoTime() - start) / 1e9, new long[0]);
    }

    @Override
    public void close() throws Exception {
      producer.close();
      admin.deleteTopics(List.of(topic)).all().get();
      admin.close();
    }
  }
}
