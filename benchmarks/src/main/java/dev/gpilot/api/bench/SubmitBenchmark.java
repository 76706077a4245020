package dev.gpilot.api.bench;

import dev.gpilot.api.missions.MissionPublisher;
import dev.gpilot.contracts.Topics;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./gpilot bench submit}: the accept path, in one run, once with the job idle (its process
 * stopped) and once with it saturated. Each phase measures, against the same API and broker: {@code
 * GET /health}'s rate from the same load generator (the HTTP ceiling of this machine), missions
 * accepted per second by {@code POST /api/v1/missions} with N concurrent clients (p50/p99), and by
 * {@code POST /api/v1/missions/batch} in batches of 1,000 with a few clients (p50/p99 per batch)
 * next to the raw Kafka producer's rate for records of the same size (the two take turns in {@value
 * #ROUNDS} rounds, so that a load that changes during the run weighs on both); and the CPU the API,
 * the job and the broker used meanwhile (from {@code /proc}, with their pid files).
 *
 * <p>The saturated phase starts after {@code burst} missions are written straight to the missions
 * topic (as an integration would): the job works them off, niced, for the whole phase, while the
 * API must still accept fast.
 *
 * <p>Arguments: apiBaseUrl token bootstrapServers outputFile [clients=64] [seconds=20]
 * [bulkClients=4] [burst=20000] [runDir (the pid files of api, job, kafka)]
 */
public final class SubmitBenchmark {
  static final int BATCH_LINES = 1_000;
  static final int ROUNDS = 3;

  /**
   * The open-loop rate of single POSTs, as a share of the idle phase's closed-loop rate: below what
   * the API sustains idle, so that in the saturated phase the latency is the accept path's while
   * the job competes for the machine, not a queue that the load generator itself builds up.
   */
  static final double OPEN_LOOP_SHARE = 0.5;

  static final Duration OPEN_LOOP_TIMEOUT = Duration.ofSeconds(30);

  /** The API's CPU, in percent of a core, below which it has settled before the idle phase. */
  static final double SETTLED_CPU_PERCENT = 15;

  static final Duration SETTLE_LIMIT = Duration.ofSeconds(90);
  private static final String MISSION =
      "Benchmark mission: plan a product launch with research, copy and review";
  private static final List<String> AGENTS =
      List.of("agent-scout", "content-orchestrator", "independent-verifier");
  private static final List<String> PROCESSES = List.of("api", "job", "kafka");

  public static void main(String[] args) throws Exception {
    int clients = BenchMain.intArg(args, 4, 64);
    int seconds = BenchMain.intArg(args, 5, 20);
    int bulkClients = BenchMain.intArg(args, 6, 4);
    int burst = BenchMain.intArg(args, 7, 20_000);
    Path runDir = args.length > 8 ? Path.of(args[8]) : null;
    if (clients < 1 || seconds < ROUNDS || bulkClients < 1 || burst < 0) {
      System.err.printf(
          "bench submit: clients and bulk clients at least 1, seconds at least %d, burst at least 0%n",
          ROUNDS);
      System.exit(2);
    }
    run(args[0], args[1], args[2], Path.of(args[3]), clients, seconds, bulkClients, burst, runDir);
  }

  /**
   * Measures the idle phase, then (with {@code burst} > 0) the saturated one; prints and saves the
   * JSON.
   */
  static String run(
      String api,
      String token,
      String bootstrap,
      Path output,
      int clients,
      int seconds,
      int bulkClients,
      int burst,
      Path runDir)
      throws Exception {
    String body =
        "{\"mission\":\""
            + MISSION
            + "\",\"config\":{\"explicitAgents\":"
            + "[\"agent-scout\",\"content-orchestrator\",\"independent-verifier\"]}}";
    String batch = (body + "\n").repeat(BATCH_LINES);
    Map<String, Long> pids = pids(runDir);

    // Warm up the JITs (this JVM's HTTP client as much as the API) and connections before
    // measuring: until GET /health's rate holds still.
    long warmUpSeconds = warmUp(api, clients);
    runHttp(api, token, body, clients, 3);
    runOpen(api, token, body, 100, 2, clients);
    runBulk(api, token, batch, bulkClients, 3);
    StringBuilder json =
        new StringBuilder(
            "{\"clients\": "
                + clients
                + ", \"seconds\": "
                + seconds
                + ", \"bulkClients\": "
                + bulkClients
                + ", \"bulkBatchLines\": "
                + BATCH_LINES
                + ", \"burst\": "
                + burst
                + ", \"warmUpSeconds\": "
                + warmUpSeconds);
    List<String> table = new ArrayList<>();
    double[] openRate = {0}; // set by the idle phase
    try (RawProducer producer = new RawProducer(bootstrap, record(UUID.randomUUID().toString()));
        JobFreeze frozen = JobFreeze.of(pids.get("job"))) {
      producer.run(3); // warm-up
      // Idle means the job does nothing: its process is stopped (SIGSTOP) for the phase, and the
      // missions it
      // accepts wait in the topic, as they would while the job is down. They become part of the
      // saturated
      // phase's backlog.
      frozen.stop();
      // What the warm-up left (the events of its missions the job wrote before it stopped, the
      // API's feed reading them, collections, compilations) is not the idle phase's work.
      json.append(", \"idleSettleSeconds\": ").append(settle(pids.get("api")));
      json.append(", \"idle\": ")
          .append(
              phase(
                  "idle",
                  api,
                  token,
                  body,
                  batch,
                  clients,
                  seconds,
                  bulkClients,
                  producer,
                  pids,
                  table,
                  openRate));
      frozen.resume();
      if (burst > 0) {
        producer.burstToMissions(burst);
        json.append(", \"saturated\": ")
            .append(
                phase(
                    "saturated",
                    api,
                    token,
                    body,
                    batch,
                    clients,
                    seconds,
                    bulkClients,
                    producer,
                    pids,
                    table,
                    openRate));
      }
    }
    json.append("}\n");
    Files.createDirectories(output.toAbsolutePath().getParent());
    Files.writeString(output, json.toString());
    System.out.println(
        "| phase | GET /health/s | single POST/s | p50 ms | p99 ms | max ms | refused"
            + " | open-loop POST/s | p50 ms | p99 ms | max ms | failed | bulk missions/s"
            + " | batch p50 ms | batch p99 ms | raw producer/s | bulk/raw | single/health | CPU % api / job / broker"
            + " | CPU µs per bulk mission / raw record |");
    System.out.println(
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    table.forEach(System.out::println);
    System.out.print(json);
    return json.toString();
  }

  /**
   * The job's process stopped with SIGSTOP and continued with SIGCONT (on close too, so a failed
   * run never leaves the job stopped); nothing when there is no job pid (in-process runs).
   */
  private record JobFreeze(Long pid) implements AutoCloseable {
    static JobFreeze of(Long pid) {
      return new JobFreeze(pid);
    }

    void stop() throws Exception {
      signal("STOP");
    }

    void resume() throws Exception {
      signal("CONT");
    }

    @Override
    public void close() throws Exception {
      resume();
    }

    private void signal(String name) throws Exception {
      if (pid == null) {
        return;
      }
      if (new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).inheritIO().start().waitFor()
          != 0) {
        throw new IllegalStateException("kill -" + name + " " + pid + " failed");
      }
    }
  }

  /**
   * One phase: the HTTP ceiling, single POSTs, then bulk and the raw producer in turns; CPU over
   * all of it.
   */
  private static String phase(
      String name,
      String api,
      String token,
      String body,
      String batch,
      int clients,
      int seconds,
      int bulkClients,
      RawProducer producer,
      Map<String, Long> pids,
      List<String> table,
      double[] openRate)
      throws Exception {
    Map<String, Long> cpu0 = cpuTicks(pids);
    long t0 = System.nanoTime();
    Result health = runGet(api, clients, Math.max(1, seconds / 2));
    Result http = runHttp(api, token, body, clients, seconds);
    if (!(openRate[0] > 0)) { // the idle phase sets the rate the saturated one offers too
      openRate[0] = Math.max(1, OPEN_LOOP_SHARE * http.ok / http.elapsedSeconds);
    }
    Result open = runOpen(api, token, body, openRate[0], seconds, clients);
    Result bulk = new Result(0, 0, 0, new long[0]);
    Result raw = new Result(0, 0, 0, new long[0]);
    long bulkCpu = 0;
    long rawCpu = 0;
    for (int round = 0; round < ROUNDS; round++) {
      long c0 = cpuNanos(pids);
      bulk = bulk.plus(runBulk(api, token, batch, bulkClients, Math.max(1, seconds / ROUNDS)));
      long c1 = cpuNanos(pids);
      raw = raw.plus(producer.run(Math.max(1, seconds / ROUNDS)));
      bulkCpu += c1 - c0;
      rawCpu += cpuNanos(pids) - c1;
    }
    double bulkCpuUs = bulkCpu / 1e3 / Math.max(1, bulk.ok);
    double rawCpuUs = rawCpu / 1e3 / Math.max(1, raw.ok);
    double wall = (System.nanoTime() - t0) / 1e9;
    Map<String, Double> cpu = cpuPercent(cpu0, cpuTicks(pids), wall);
    double healthRate = health.ok / health.elapsedSeconds;
    double singleRate = http.ok / http.elapsedSeconds;
    double bulkRate = bulk.ok / bulk.elapsedSeconds;
    double rawRate = raw.ok / raw.elapsedSeconds;
    table.add(
        String.format(
            Locale.ROOT,
            "| %s | %.0f | %.0f | %.1f | %.1f | %.1f | %d | %.0f | %.1f | %.1f | %.1f | %d"
                + " | %.0f | %.0f | %.0f | %.0f"
                + " | %.2f | %.2f | %s / %s / %s | %.1f / %.1f |",
            name,
            healthRate,
            singleRate,
            http.percentile(50),
            http.percentile(99),
            http.percentile(100),
            http.failed,
            openRate[0],
            open.percentile(50),
            open.percentile(99),
            open.percentile(100),
            open.failed,
            bulkRate,
            bulk.percentile(50),
            bulk.percentile(99),
            rawRate,
            bulkRate / rawRate,
            singleRate / healthRate,
            pct(cpu, "api"),
            pct(cpu, "job"),
            pct(cpu, "kafka"),
            bulkCpuUs,
            rawCpuUs));
    return String.format(
        Locale.ROOT,
        "{\"healthPerSecond\": %.1f, \"healthP99Ms\": %.2f, \"accepted\": %d, \"rejected\": %d,"
            + " \"acceptedPerSecond\": %.1f, \"p50Ms\": %.2f, \"p99Ms\": %.2f, \"maxMs\": %.2f,"
            + " \"openLoopRatePerSecond\": %.1f, \"openLoopAccepted\": %d, \"openLoopFailed\": %d,"
            + " \"openLoopP50Ms\": %.2f, \"openLoopP99Ms\": %.2f, \"openLoopMaxMs\": %.2f,"
            + " \"bulkAccepted\": %d, \"bulkRejected\": %d, \"bulkAcceptedPerSecond\": %.1f,"
            + " \"bulkBatchP50Ms\": %.2f, \"bulkBatchP99Ms\": %.2f, \"rawProducerRecordsPerSecond\": %.1f,"
            + " \"bulkShareOfRawProducer\": %.3f, \"singleShareOfHealth\": %.3f, \"cpuUsPerBulkMission\": %.2f,"
            + " \"cpuUsPerRawRecord\": %.2f, \"cpuPercent\": %s}",
        healthRate,
        health.percentile(99),
        http.ok,
        http.failed,
        singleRate,
        http.percentile(50),
        http.percentile(99),
        http.percentile(100),
        openRate[0],
        open.ok,
        open.failed,
        open.percentile(50),
        open.percentile(99),
        open.percentile(100),
        bulk.ok,
        bulk.failed,
        bulkRate,
        bulk.percentile(50),
        bulk.percentile(99),
        rawRate,
        bulkRate / rawRate,
        singleRate / healthRate,
        bulkCpuUs,
        rawCpuUs,
        cpuJson(cpu));
  }

  /** A mission record as the API writes it, with a new missionId. */
  static byte[] record(String missionId) {
    return JsonCodec.of(MissionSubmitted.class)
        .encode(
            new MissionSubmitted(
                missionId,
                "default",
                System.currentTimeMillis(),
                MISSION,
                MissionConfig.ofAgents(AGENTS),
                null,
                null,
                "bench"));
  }

  /**
   * The pids of the API, the job and the broker from {@code runDir/<name>.pid}; none without a run
   * directory.
   */
  private static Map<String, Long> pids(Path runDir) throws java.io.IOException {
    Map<String, Long> pids = new LinkedHashMap<>();
    if (runDir != null) {
      for (String name : PROCESSES) {
        Path file = runDir.resolve(name + ".pid");
        if (Files.isReadable(file)) {
          pids.put(name, Long.parseLong(Files.readString(file).strip()));
        }
      }
    }
    return pids;
  }

  /**
   * CPU time spent so far by what a bulk submission or a raw record costs: this JVM (the load
   * generator and, in-process, the API and the broker too) plus, with a run directory, the API's
   * and the broker's processes (not the job's: it does not take part in either).
   */
  static long cpuNanos(Map<String, Long> pids) {
    long nanos =
        ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    Map<String, Long> others = new LinkedHashMap<>(pids);
    others.remove("job");
    for (long ticks : cpuTicks(others).values()) {
      nanos += ticks * 10_000_000L; // USER_HZ is 100
    }
    return nanos;
  }

  /**
   * Runs {@code GET /health} in windows of {@link #WARM_UP_WINDOW_SECONDS} until a window's rate is
   * within {@link #WARM_UP_STEADY} of the one before (at most {@link #WARM_UP_LIMIT}); the seconds
   * it took, printed. A fresh JVM's HTTP client alone starts at a third of its warm rate and takes
   * tens of seconds to get there: measured cold, the idle phase measured the load generator.
   */
  static long warmUp(String api, int clients) throws Exception {
    long start = System.nanoTime();
    double before = 0;
    StringBuilder rates = new StringBuilder();
    while (System.nanoTime() - start < WARM_UP_LIMIT.toNanos()) {
      Result window = runGet(api, clients, WARM_UP_WINDOW_SECONDS);
      double rate = window.ok / window.elapsedSeconds;
      rates.append(rates.length() == 0 ? "" : ", ").append(Math.round(rate));
      if (before > 0 && Math.abs(rate - before) <= WARM_UP_STEADY * before) {
        break;
      }
      before = rate;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        Locale.ROOT, "warmed up in %.0f s (GET /health/s per window: %s)%n", seconds, rates);
    return Math.round(seconds);
  }

  static final int WARM_UP_WINDOW_SECONDS = 4;
  static final double WARM_UP_STEADY = 0.10;
  static final Duration WARM_UP_LIMIT = Duration.ofSeconds(90);

  /**
   * Waits until the process used at most {@link #SETTLED_CPU_PERCENT} of a core over a second (at
   * most {@link #SETTLE_LIMIT}); the seconds it took, printed. Without a pid (in-process), none.
   */
  static long settle(Long pid) throws InterruptedException {
    if (pid == null) {
      return 0;
    }
    long start = System.nanoTime();
    Map<String, Long> process = Map.of("process", pid);
    while (System.nanoTime() - start < SETTLE_LIMIT.toNanos()) {
      Map<String, Long> before = cpuTicks(process);
      Thread.sleep(1_000);
      Double busy = cpuPercent(before, cpuTicks(process), 1.0).get("process");
      if (busy == null || busy <= SETTLED_CPU_PERCENT) {
        break;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(Locale.ROOT, "api settled after the warm-up in %.0f s%n", seconds);
    return Math.round(seconds);
  }

  /** utime + stime of each process, in clock ticks (fields 14 and 15 of /proc/pid/stat). */
  private static Map<String, Long> cpuTicks(Map<String, Long> pids) {
    Map<String, Long> ticks = new LinkedHashMap<>();
    pids.forEach(
        (name, pid) -> {
          try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks.put(name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
          } catch (java.io.IOException | RuntimeException e) {
            // The process is gone: no number for it.
          }
        });
    return ticks;
  }

  /** CPU per process over {@code wallSeconds}, in percent of one core (Linux' USER_HZ is 100). */
  private static Map<String, Double> cpuPercent(
      Map<String, Long> before, Map<String, Long> after, double wallSeconds) {
    Map<String, Double> percent = new LinkedHashMap<>();
    after.forEach(
        (name, ticks) -> {
          if (before.containsKey(name)) {
            percent.put(name, (ticks - before.get(name)) / 100.0 / wallSeconds * 100);
          }
        });
    return percent;
  }

  private static String pct(Map<String, Double> cpu, String name) {
    return cpu.containsKey(name) ? String.format(Locale.ROOT, "%.0f", cpu.get(name)) : "–";
  }

  private static String cpuJson(Map<String, Double> cpu) {
    StringBuilder json = new StringBuilder("{");
    cpu.forEach(
        (name, value) ->
            json.append(json.length() > 1 ? ", " : "")
                .append(String.format(Locale.ROOT, "\"%s\": %.1f", name, value)));
    return json.append('}').toString();
  }

  record Result(int ok, int failed, double elapsedSeconds, long[] latenciesNanos) {
    Result plus(Result other) {
      long[] all =
          Arrays.copyOf(latenciesNanos, latenciesNanos.length + other.latenciesNanos.length);
      System.arraycopy(
          other.latenciesNanos, 0, all, latenciesNanos.length, other.latenciesNanos.length);
      return new Result(
          ok + other.ok, failed + other.failed, elapsedSeconds + other.elapsedSeconds, all);
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

  static Result runHttp(String api, String token, String body, int clients, int seconds)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api + "/api/v1/missions"))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return run(request, 202, clients, seconds);
  }

  /**
   * Single POSTs open loop, as wrk2 runs it: Poisson arrivals at {@code ratePerSecond} for {@code
   * seconds} (a fixed schedule), sent by {@code connections} clients on persistent connections,
   * each taking the next request when it is due (at once when it is overdue). A request's latency
   * counts from the moment it was due, not from when a busy client got round to it, so a slow
   * server does not slow the arrivals down (no coordinated omission) and the wait for a free
   * connection is counted. {@code ok} = answered 202; a request that got another answer, or none
   * within {@link #OPEN_LOOP_TIMEOUT}, counts as failed (its latency at least the timeout). The
   * maximum says whether any request waited without bound.
   *
   * <p>The clients are bounded on purpose: a connection per request in flight (one asynchronous JDK
   * client, this benchmark until 2026-12-05) opened thousands of connections once the answers
   * slowed, and the client's own selector thread then held the requests for seconds while the API's
   * threads stood idle.
   */
  static Result runOpen(
      String api, String token, String body, double ratePerSecond, int seconds, int connections)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api + "/api/v1/missions"))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .timeout(OPEN_LOOP_TIMEOUT)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    java.util.Random arrivals = new java.util.Random(42); // the same schedule in every run
    long span = Duration.ofSeconds(seconds).toNanos();
    double meanGapNanos = 1e9 / ratePerSecond;
    long[] dueOffsets = new long[16];
    int n = 0;
    for (long due = 0; ; ) {
      due += (long) (-Math.log(1 - arrivals.nextDouble()) * meanGapNanos);
      if (due >= span) {
        break;
      }
      if (n == dueOffsets.length) {
        dueOffsets = Arrays.copyOf(dueOffsets, n * 2);
      }
      dueOffsets[n++] = due;
    }
    int total = n;
    long[] schedule = dueOffsets;
    long[] latencies = new long[total];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(connections);
    long start = System.nanoTime();
    CountDownLatch done = new CountDownLatch(connections);
    for (int c = 0; c < connections; c++) {
      pool.execute(
          () -> {
            try {
              for (int i; (i = next.getAndIncrement()) < total; ) {
                long due = start + schedule[i];
                long wait = due - System.nanoTime();
                if (wait > 0) {
                  java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                boolean accepted = false;
                try {
                  accepted =
                      http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()
                          == 202;
                } catch (java.io.IOException e) {
                  // no answer (or none in time): failed
                }
                long took = System.nanoTime() - due;
                if (accepted) {
                  ok.incrementAndGet();
                  latencies[i] = took;
                } else {
                  failed.incrementAndGet();
                  latencies[i] = Math.max(took, OPEN_LOOP_TIMEOUT.toNanos());
                }
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } finally {
              done.countDown();
            }
          });
    }
    done.await();
    pool.shutdown();
    double elapsed = (System.nanoTime() - start) / 1e9;
    return new Result(ok.get(), failed.get(), elapsed, latencies);
  }

  /** {@code GET /health} flat out from the same clients: what HTTP alone costs on this machine. */
  static Result runGet(String api, int clients, int seconds) throws Exception {
    return run(
        HttpRequest.newBuilder(URI.create(api + "/health")).GET().build(), 200, clients, seconds);
  }

  /**
   * {@code clients} threads sending {@code request} over and over for {@code seconds}; ok =
   * answered {@code ok}.
   */
  private static Result run(HttpRequest request, int ok, int clients, int seconds)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long[] latencies = new long[2_000_000];
    AtomicInteger count = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    long start = System.nanoTime();
    long end = start + Duration.ofSeconds(seconds).toNanos();
    CountDownLatch done = new CountDownLatch(clients);
    for (int c = 0; c < clients; c++) {
      pool.execute(
          () -> {
            try {
              while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                HttpResponse<Void> response =
                    http.send(request, HttpResponse.BodyHandlers.discarding());
                long took = System.nanoTime() - t0;
                if (response.statusCode() == ok) {
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
   * Clients that post the same batch of {@link #BATCH_LINES} missions over and over: {@code ok}
   * counts the accepted missions ({@code Gpilot-Accepted}), {@code failed} the rest, latencies are
   * per batch.
   */
  static Result runBulk(String api, String token, String batch, int clients, int seconds)
      throws Exception {
    byte[] bytes =
        batch.getBytes(StandardCharsets.UTF_8); // encoded once: the client's cost is not the API's
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
      pool.execute(
          () -> {
            HttpRequest request =
                HttpRequest.newBuilder(URI.create(api + "/api/v1/missions/batch"))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                    .build();
            try {
              while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                HttpResponse<Void> response =
                    http.send(request, HttpResponse.BodyHandlers.discarding());
                long took = System.nanoTime() - t0;
                int ok =
                    response.statusCode() == 200
                        ? Integer.parseInt(
                            response.headers().firstValue("Gpilot-Accepted").orElse("0"))
                        : 0;
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
   * The broker's ceiling for the same records: one idempotent acks=all producer, flat out, on a
   * topic of its own with the missions topic's 4 partitions. Created and warmed up (metadata,
   * producer id) once, before any round is timed.
   */
  static final class RawProducer implements AutoCloseable {
    private final String topic =
        "gpilot.bench.producer." + UUID.randomUUID().toString().substring(0, 8);
    private final Admin admin;
    private final KafkaProducer<String, byte[]> producer;
    private final byte[] record;

    RawProducer(String bootstrap, byte[] record) throws Exception {
      this.record = record;
      Properties props = new Properties();
      props.put("bootstrap.servers", bootstrap);
      admin = Admin.create(props);
      // A topic like the missions topic: its partitions, replication factor and topic configs.
      TopicDescription missions =
          admin.describeTopics(List.of(Topics.MISSIONS)).allTopicNames().get().get(Topics.MISSIONS);
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, Topics.MISSIONS);
      Map<String, String> configs = new LinkedHashMap<>();
      for (ConfigEntry entry :
          admin.describeConfigs(List.of(resource)).all().get().get(resource).entries()) {
        if (entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
          configs.put(entry.name(), entry.value());
        }
      }
      admin
          .createTopics(
              List.of(
                  new NewTopic(
                          topic,
                          missions.partitions().size(),
                          (short) missions.partitions().get(0).replicas().size())
                      .configs(configs)))
          .all()
          .get();
      // Configured exactly as the API's producer of missions (acks=all, idempotent, linger, batch
      // size, compression), so that the ratio compares the API's work with Kafka's, not two
      // producer configurations.
      producer =
          new KafkaProducer<>(
              MissionPublisher.producerProperties(bootstrap),
              new StringSerializer(),
              new ByteArraySerializer());
      for (int i = 0; i < 100; i++) {
        producer.send(new ProducerRecord<>(topic, UUID.randomUUID().toString(), record)).get();
      }
    }

    /**
     * Sends for {@code seconds} with at most 10,000 records in flight; {@code ok} = acked, up to
     * the last ack.
     */
    Result run(int seconds) throws Exception {
      AtomicInteger acked = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      Semaphore inFlight = new Semaphore(10_000);
      long start = System.nanoTime();
      long end = start + Duration.ofSeconds(seconds).toNanos();
      while (System.nanoTime() < end) {
        inFlight.acquire();
        producer.send(
            new ProducerRecord<>(topic, UUID.randomUUID().toString(), record),
            (m, e) -> {
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

    /**
     * Writes {@code missions} new missions straight to the missions topic, keyed by missionId as
     * the API writes them, and waits until all are durable.
     */
    void burstToMissions(int missions) throws Exception {
      for (int i = 0; i < missions; i++) {
        String id = UUID.randomUUID().toString();
        producer.send(new ProducerRecord<>(dev.gpilot.contracts.Topics.MISSIONS, id, record(id)));
      }
      producer.flush();
    }

    @Override
    public void close() throws Exception {
      producer.close();
      admin.deleteTopics(List.of(topic)).all().get();
      admin.close();
    }
  }
}
