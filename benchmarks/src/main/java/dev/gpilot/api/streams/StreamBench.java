package dev.gpilot.api.streams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.bench.MachineCpu;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.jobs.LocalMissionJob;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.TestEvents;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./gpilot bench streams [clients] [missions]}: the API's streams under load, on real parts.
 * A Kafka broker and the MissionJob (MiniCluster) run in this JVM; the API runs as its own process
 * so that its CPU and memory are its own; the clients are node processes using the Vercel AI SDK,
 * which validates every chunk and assembles every message.
 *
 * <ol>
 *   <li>Fan-out: {@code clients} streams over {@code missions} running missions whose events this
 *       driver writes to the events topic at a steady pace, {@value #EVENTS_PER_SECOND} per second:
 *       per mission, 5 sequential steps of {@value #DELTAS_PER_STEP} token deltas each. Every event
 *       is timed from the moment it is built and written (its {@code ts}; a delta's text also
 *       starts with it) to the moment a client reads its chunk (the {@code data-step} of a step
 *       event, the {@code text-delta} of a delta). Two rounds on missions of their own, read by one
 *       node process: the first warms up the broker, the API and the client and is reported as
 *       {@code fanoutWarmup}, the second is measured. Then the same with one stream per mission.
 *   <li>POST → first frame: missions submitted over HTTP and run by the job (0 ms simulated steps),
 *       each stream opened right after its POST, timed until its first chunk. The job starts after
 *       the fan-out, which does not need it. First {@value #FIRST_FRAME_WARMUP} missions, {@value
 *       #FIRST_FRAME_WARMUP_CONCURRENCY} clients each submitting its next mission once it has the
 *       previous one's first frame (the job's warm-up, and what a saturated machine does: {@code
 *       firstFrameWarmup}), 5 s of rest, then missions arriving at 10, 20 and 40 per second (open
 *       loop, exponential gaps), so that each latency is measured at a stated load.
 * </ol>
 *
 * Prints and saves the numbers ({@code GPILOT_BENCH_OUT}, default {@code
 * .gpilot/bench/streams.json}).
 */
public final class StreamBench {
  private static final JsonCodec<MissionEvent> CODEC = JsonCodec.of(MissionEvent.class);
  private static final Pattern TS = Pattern.compile("\"ts\":(\\d+)");
  private static final int STEPS = 5;
  private static final int DELTAS_PER_STEP = 20;
  private static final int EVENTS_PER_SECOND = 500;
  // The job starts cold right before the first-frame phase: its warm-up runs this many missions,
  // this many at a
  // time, then lets the machine settle; otherwise the measured round shares the cores with the JIT
  // compilers.
  private static final int FIRST_FRAME_WARMUP = 1000;
  private static final int FIRST_FRAME_WARMUP_CONCURRENCY = 20;
  // The measured first frames: missions arriving at these rates (open loop), the job running each
  // of them.
  private static final int[] FIRST_FRAME_RATES = {10, 20, 40};

  private StreamBench() {}

  public static void main(String[] args) throws Exception {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int missions = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int firstFrames = args.length > 2 ? Integer.parseInt(args[2]) : 300;
    if (clients % missions != 0) {
      throw new IllegalArgumentException("clients must be a multiple of missions");
    }
    String clickhouse = System.getenv("CLICKHOUSE_URL");
    if (clickhouse == null) {
      throw new IllegalStateException("set CLICKHOUSE_URL (./gpilot bench streams does)");
    }
    Path out =
        Path.of(System.getenv().getOrDefault("GPILOT_BENCH_OUT", ".gpilot/bench/streams.json"));
    Files.createDirectories(out.getParent());
    Path work = Files.createTempDirectory("stream-bench");

    // A broker of the caller's (./gpilot bench starts one as its own process), else one in this
    // JVM.
    String bootstrap = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
    KafkaTestBroker kafka = null;
    if (bootstrap == null) {
      kafka = new KafkaTestBroker();
      kafka.beforeAll(null);
      bootstrap = kafka.bootstrapServers();
    }
    JobClient job = null;
    Process api = null;
    try {
      String token = "bench-" + UUID.randomUUID();
      int port = freePort();
      api = startApi(bootstrap, clickhouse, token, port, work, out.getParent().resolve("api.log"));
      String base = "http://127.0.0.1:" + port;
      long rssIdle = rssKb(api.pid());

      ObjectNode report = Json.mapper().createObjectNode();
      report.put("at", Instant.now().toString());
      report.put("cores", Runtime.getRuntime().availableProcessors());
      report.put("clients", clients);
      report.put("missions", missions);
      report.put("apiRssIdleMb", rssIdle / 1024);
      report.put("apiJvm", apiJvm());
      report.put("clientProcesses", clientProcesses(clients));
      report.put("kafka", kafka == null ? "own process" : "in the driver's JVM");
      // Every phase runs once unmeasured first (printed too): the broker, the API and the clients
      // start cold, and
      // what is measured is the API serving, not the JIT compiling it.
      List<ObjectNode> rounds = fanout(bootstrap, base, token, clients, missions, 2, api, work);
      report.set("fanoutWarmup", rounds.get(0));
      report.set("fanout", rounds.get(1));
      if (clients > missions) {
        // A second point: one stream per mission, the same events. What the latency owes to the
        // number of streams
        // (and to the clients sharing this machine's cores) shows in the difference.
        report.set(
            "fanoutOneStreamPerMission",
            fanout(bootstrap, base, token, missions, missions, 2, api, work).get(1));
      }
      if (firstFrames > 0) { // 0: the fan-out only
        // The fan-out's events are written by this driver, so the job only runs from here on: idle,
        // it would still
        // poll its sources and checkpoint every second on the cores the fan-out is measured on.
        job =
            LocalMissionJob.start(
                MissionJobOptions.of(bootstrap, clickhouse, "gpilot_bench"),
                LocalMissionJob.localConfiguration(
                    work.resolve("checkpoints"), 2, 0, 2000)); // as `up` runs it
        report.set(
            "firstFrameWarmup",
            firstFrames(base, token, FIRST_FRAME_WARMUP, FIRST_FRAME_WARMUP_CONCURRENCY, api));
        Thread.sleep(5000);
        for (int rate : FIRST_FRAME_RATES) {
          report.set(
              "firstFrameAt" + rate + "PerSecond",
              firstFrames(base, token, firstFrames, (double) rate, api));
        }
      }
      write(out, report);
    } finally {
      if (api != null) {
        api.destroy();
        api.waitFor(20, TimeUnit.SECONDS);
      }
      if (job != null) {
        job.cancel().get(30, TimeUnit.SECONDS);
      }
      if (kafka != null) {
        kafka.afterAll(null);
      }
    }
    System.exit(0);
  }

  private static void write(Path out, ObjectNode report) throws Exception {
    String json = Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report);
    Files.writeString(out, json);
    System.out.println(json);
    System.out.println("saved to " + out);
  }

  /**
   * {@code rounds} fan-out rounds, one after the other on missions of their own, read by one node
   * process (so a later round also has a warm client): each round's numbers, the node client's
   * merged with this driver's.
   */
  private static List<ObjectNode> fanout(
      String bootstrap,
      String base,
      String token,
      int clients,
      int missions,
      int rounds,
      Process api,
      Path work)
      throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      List<PlanStep> plan = chainPlan(STEPS);
      List<String> command =
          new ArrayList<>(
              List.of(
                  "fanout",
                  base,
                  token,
                  String.valueOf(clients / missions),
                  String.valueOf(STEPS)));
      List<List<String>> ids = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        List<String> round = new ArrayList<>();
        for (int m = 0; m < missions; m++) {
          String id = UUID.randomUUID().toString();
          round.add(id);
          send(
              producer,
              event("mission.accepted", id, 1)
                  .status("PLANNING")
                  .mission("bench " + m, MissionConfig.DEFAULT));
          send(producer, event("plan.ready", id, 2).plan(new Plan(plan)));
        }
        ids.add(round);
        Path file = Files.createTempFile(work, "missions", ".txt");
        Files.writeString(file, String.join("\n", round) + "\n");
        command.add(file.toString());
      }
      producer.flush();

      // The clients are spread over node processes, each opening every k-th stream, so that no
      // process holds more than it serves without delaying what it measures.
      int processes = clientProcesses(clients);
      List<String> signals = new ArrayList<>();
      List<CompletableFuture<JsonNode>> results = new ArrayList<>();
      for (int p = 0; p < processes; p++) {
        results.add(
            node(
                signals,
                Map.of("BENCH_SHARD", p + "/" + processes),
                command.toArray(String[]::new)));
      }
      List<ObjectNode> driverSide = new ArrayList<>();
      for (int r = 1; r <= rounds; r++) {
        long n = r;
        awaitSignal(signals, "ready", n * processes, results);
        Thread.sleep(1000); // let the replays settle: what is measured next is live events only
        driverSide.add(
            round(
                producer,
                bootstrap,
                ids.get(r - 1),
                clients,
                api,
                () -> awaitSignal(signals, "done", n * processes, results)));
      }
      List<JsonNode> clientSide = new ArrayList<>();
      for (CompletableFuture<JsonNode> result : results) {
        JsonNode one = result.get(10, TimeUnit.MINUTES);
        if (!one.isArray()) {
          throw new IllegalStateException("a node client failed: " + one);
        }
        clientSide.add(one);
      }
      List<ObjectNode> merged = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        List<JsonNode> round = new ArrayList<>();
        for (JsonNode one : clientSide) {
          round.add(one.get(r));
        }
        ObjectNode both = mergeClients(round);
        both.setAll(driverSide.get(r));
        merged.add(both);
      }
      return merged;
    }
  }

  /**
   * One round's live events: from step.started of s1 to mission.completed, paced, timed by a plain
   * consumer too.
   */
  private static ObjectNode round(
      KafkaProducer<String, byte[]> producer,
      String bootstrap,
      List<String> ids,
      int clients,
      Process api,
      Checked received)
      throws Exception {
    long rssOpen = rssKb(api.pid());
    // The baseline: the same events read by a plain consumer in this JVM, as the API's feed reads
    // them.
    List<Long> baseline = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicBoolean reading =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread probe =
        new Thread(() -> consumeBaseline(bootstrap, reading, baseline), "baseline-consumer");
    probe.start();
    Thread.sleep(2000);

    CpuMeter cpu = new CpuMeter(api);
    int missions = ids.size();
    long[] seqs = new long[missions];
    java.util.Arrays.fill(seqs, 2); // accepted and plan.ready
    long events = 0;
    long rssPeak = rssOpen;
    long pause = 1_000_000_000L / EVENTS_PER_SECOND;
    long next = System.nanoTime();
    for (int s = 1; s <= STEPS; s++) {
      String step = "s" + s;
      String agent = "agent-" + s;
      for (int phase = 0; phase < DELTAS_PER_STEP + 2; phase++) {
        for (int m = 0; m < missions; m++) {
          long wait = next - System.nanoTime();
          if (wait > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(wait);
          }
          next += pause;
          // Built (and so timestamped) right before it is written.
          TestEvents.Builder e =
              switch (phase) {
                case 0 ->
                    event("step.started", ids.get(m), ++seqs[m])
                        .step(step, agent, 1)
                        .status("RUNNING");
                case DELTAS_PER_STEP + 1 ->
                    event("step.completed", ids.get(m), ++seqs[m])
                        .step(step, agent, 1)
                        .status("SUCCEEDED")
                        .durationMs(10)
                        .output(Json.mapper().createObjectNode().put("text", "ok"))
                        .cost("gemini-2.5-flash", new Usage(100, 20, 0, 0), 42);
                // A delta's text starts with its write time, which the client reads out of its
                // text-delta chunk.
                default -> {
                  long now = System.currentTimeMillis();
                  yield TestEvents.of("step.delta", ids.get(m), "default", ++seqs[m], now)
                      .step(step, agent, 1)
                      .text("@" + now + " ");
                }
              };
          send(producer, e);
          events++;
        }
        rssPeak = Math.max(rssPeak, rssKb(api.pid()));
      }
    }
    for (int m = 0; m < missions; m++) {
      send(
          producer,
          event("mission.completed", ids.get(m), ++seqs[m]).status("COMPLETED").durationMs(1000));
      events++;
    }
    producer.flush();
    received.run();
    reading.set(false);
    probe.join(10_000);
    ObjectNode cpuUse = cpu.stop();

    ObjectNode round = Json.mapper().createObjectNode();
    round.set("kafkaToPlainConsumerMs", percentiles(baseline));
    round.put("eventsWritten", events);
    round.put("eventsPerSecond", EVENTS_PER_SECOND);
    round.put("apiCpuPercentOfOneCore", cpuUse.get("api").asLong());
    round.set("cpuPercentOfOneCore", cpuUse);
    round.put("apiRssWith" + clients + "StreamsMb", rssOpen / 1024);
    round.put("apiRssPeakMb", Math.max(rssPeak, rssKb(api.pid())) / 1024);
    return round;
  }

  private interface Checked {
    void run() throws Exception;
  }

  /**
   * How many node processes share {@code clients} fan-out streams: one per {@code
   * GPILOT_BENCH_STREAMS_PER_CLIENT_PROCESS} (1,000) streams, rounded up. A thousand streams is
   * what one process received without its own event loop delaying what it measured (its event-loop
   * delay and GC pauses are reported per process).
   */
  static int clientProcesses(int clients) {
    int perProcess =
        Integer.parseInt(
            System.getenv().getOrDefault("GPILOT_BENCH_STREAMS_PER_CLIENT_PROCESS", "1000"));
    if (perProcess < 1) {
      throw new IllegalArgumentException("GPILOT_BENCH_STREAMS_PER_CLIENT_PROCESS must be >= 1");
    }
    return Math.max(1, (clients + perProcess - 1) / perProcess);
  }

  /**
   * One fan-out round's numbers from all the node processes: counts add up, the latency percentiles
   * are taken over every process's samples together (whole milliseconds, as histograms), and the
   * clients' own delays are those of the worst process; each process's summary is kept under {@code
   * clientProcesses}.
   */
  static ObjectNode mergeClients(List<JsonNode> processes) {
    ObjectNode merged = Json.mapper().createObjectNode();
    java.util.TreeMap<Long, Long> latencies = new java.util.TreeMap<>();
    List<Long> gcPauses = new ArrayList<>();
    com.fasterxml.jackson.databind.node.ArrayNode problems = merged.arrayNode();
    com.fasterxml.jackson.databind.node.ArrayNode each = merged.arrayNode();
    long streams = 0;
    long withProblems = 0;
    long errors = 0;
    long chunks = 0;
    long cpu = 0;
    long receiveMs = 0;
    long wallMs = 0;
    double[] loop = new double[3];
    for (JsonNode p : processes) {
      streams += p.path("streams").asLong();
      withProblems += p.path("streamsWithProblems").asLong();
      errors += p.path("protocolErrors").asLong();
      chunks += p.path("chunks").asLong();
      cpu += p.path("clientCpuPercentOfOneCore").asLong();
      receiveMs = Math.max(receiveMs, p.path("receiveMs").asLong());
      wallMs = Math.max(wallMs, p.path("wallMs").asLong());
      for (JsonNode problem : p.path("problems")) {
        if (problems.size() < 20) {
          problems.add(problem);
        }
      }
      JsonNode delay = p.path("clientEventLoopDelayMs");
      loop[0] = Math.max(loop[0], delay.path("p50").asDouble());
      loop[1] = Math.max(loop[1], delay.path("p99").asDouble());
      loop[2] = Math.max(loop[2], delay.path("max").asDouble());
      p.path("samples")
          .path("kafkaToClientMs")
          .fields()
          .forEachRemaining(
              e -> latencies.merge(Long.parseLong(e.getKey()), e.getValue().asLong(), Long::sum));
      p.path("samples").path("clientGcPausesMs").forEach(v -> gcPauses.add(v.asLong()));
      ObjectNode summary = each.addObject();
      for (String field :
          List.of(
              "streams",
              "kafkaToClientMs",
              "clientEventLoopDelayMs",
              "clientGcPausesMs",
              "clientCpuPercentOfOneCore",
              "receiveMs")) {
        summary.set(field, p.path(field));
      }
    }
    merged.put("clientProcessCount", processes.size());
    merged
        .putObject("clientEventLoopDelayMs")
        .put("p50", loop[0])
        .put("p99", loop[1])
        .put("max", loop[2]);
    ObjectNode gc = percentiles(gcPauses);
    gc.put("total", gcPauses.stream().mapToLong(Long::longValue).sum());
    merged.set("clientGcPausesMs", gc);
    merged.put("receiveMs", receiveMs);
    merged.put("clientCpuPercentOfOneCore", cpu);
    merged.put("streams", streams);
    merged.put("streamsWithProblems", withProblems);
    merged.put("protocolErrors", errors);
    merged.set("problems", problems);
    merged.put("chunks", chunks);
    merged.set("kafkaToClientMs", percentiles(latencies));
    merged.put("wallMs", wallMs);
    merged.set("clientProcesses", each);
    return merged;
  }

  /**
   * Waits until the node clients have printed {@code signal} {@code n} times in all; fails as soon
   * as one of them has failed.
   */
  private static void awaitSignal(
      List<String> signals, String signal, long n, List<CompletableFuture<JsonNode>> clients)
      throws Exception {
    long deadline = System.currentTimeMillis() + 600_000;
    while (System.currentTimeMillis() < deadline) {
      synchronized (signals) {
        if (signals.stream().filter(signal::equals).count() >= n) {
          return;
        }
      }
      for (CompletableFuture<JsonNode> client : clients) {
        // A process that has ended has printed all its signals, unless it failed.
        if (client.isDone() && (client.isCompletedExceptionally() || !client.join().isArray())) {
          throw new IllegalStateException(
              "a node client failed: "
                  + (client.isCompletedExceptionally()
                      ? "its output was unreadable"
                      : client.join()));
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(
        "the node clients did not print " + signal + " " + n + " times in 10 minutes");
  }

  private static ObjectNode firstFrames(
      String base, String token, int missions, int concurrency, Process api) throws Exception {
    return firstFrames(
        api, "firstframe", base, token, String.valueOf(missions), String.valueOf(concurrency));
  }

  /** Missions arriving at {@code perSecond} on average (open loop), however many are in flight. */
  private static ObjectNode firstFrames(
      String base, String token, int missions, double perSecond, Process api) throws Exception {
    return firstFrames(
        api, "firstframe", base, token, String.valueOf(missions), "0", String.valueOf(perSecond));
  }

  private static ObjectNode firstFrames(Process api, String... command) throws Exception {
    CpuMeter cpu = new CpuMeter(api);
    ObjectNode result = (ObjectNode) node(command).join();
    result.set("cpuPercentOfOneCore", cpu.stop());
    return result;
  }

  /** Reads the events topic from its end, noting now - ts for every event. */
  private static void consumeBaseline(
      String bootstrap, java.util.concurrent.atomic.AtomicBoolean reading, List<Long> latencies) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("fetch.max.wait.ms", "50");
    try (org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]> consumer =
        new org.apache.kafka.clients.consumer.KafkaConsumer<>(
            props,
            new org.apache.kafka.common.serialization.StringDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      List<org.apache.kafka.common.TopicPartition> partitions =
          consumer.partitionsFor(Topics.MISSION_EVENTS).stream()
              .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      while (reading.get()) {
        for (var record : consumer.poll(Duration.ofMillis(100))) {
          long now = System.currentTimeMillis();
          // Every event is timed; its ts is read with a pattern rather than decoding it all.
          Matcher ts = TS.matcher(new String(record.value(), StandardCharsets.UTF_8));
          if (ts.find()) {
            latencies.add(now - Long.parseLong(ts.group(1)));
          }
        }
      }
    }
  }

  /** Percentiles of whole-millisecond samples given as a histogram (value -> count). */
  static ObjectNode percentiles(java.util.SortedMap<Long, Long> histogram) {
    long count = histogram.values().stream().mapToLong(Long::longValue).sum();
    ObjectNode p = Json.mapper().createObjectNode();
    p.put("count", count);
    for (int q : new int[] {50, 95, 99}) {
      // The same rank as for a sorted list: the ceil(q% of count)-th sample.
      long rank = Math.max(1, (long) Math.ceil(q / 100.0 * count));
      long seen = 0;
      long at = 0;
      for (Map.Entry<Long, Long> e : histogram.entrySet()) {
        seen += e.getValue();
        at = e.getKey();
        if (seen >= rank) {
          break;
        }
      }
      p.put("p" + q, count == 0 ? 0 : at);
    }
    p.put("max", count == 0 ? 0 : histogram.lastKey());
    return p;
  }

  private static ObjectNode percentiles(List<Long> values) {
    List<Long> sorted;
    synchronized (values) {
      sorted = new ArrayList<>(values);
    }
    java.util.Collections.sort(sorted);
    ObjectNode p = Json.mapper().createObjectNode();
    p.put("count", sorted.size());
    for (int q : new int[] {50, 95, 99}) {
      p.put(
          "p" + q,
          sorted.isEmpty()
              ? 0
              : sorted.get(Math.max(0, (int) Math.ceil(q / 100.0 * sorted.size()) - 1)));
    }
    p.put("max", sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1));
    return p;
  }

  private static TestEvents.Builder event(String type, String missionId, long seq) {
    return TestEvents.of(type, missionId, "default", seq, System.currentTimeMillis());
  }

  private static void send(KafkaProducer<String, byte[]> producer, TestEvents.Builder event) {
    MissionEvent e = event.build();
    producer.send(new ProducerRecord<>(Topics.MISSION_EVENTS, e.missionId(), CODEC.encode(e)));
  }

  /** The API's JVM options, as ./gpilot starts it ({@code api_java_opts}). */
  private static String apiJvm() {
    return System.getenv()
        .getOrDefault(
            "GPILOT_BENCH_API_JVM", "-Xms256m -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20")
        .strip();
  }

  private static Process startApi(
      String bootstrap, String clickhouse, String token, int port, Path work, Path log)
      throws Exception {
    Path tokens = work.resolve("api-tokens");
    String digest =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
    Files.writeString(tokens, digest + " default bench\n");
    // The API as `gpilot up` runs it (heap, collector and logging: GPILOT_BENCH_API_JVM, which
    // ./gpilot sets from the options it starts the API with), on the classpath of this JVM;
    // GPILOT_BENCH_API_OPTS adds JVM options (a profiler:
    // -XX:StartFlightRecording=filename=api.jfr,settings=profile).
    List<String> command = new ArrayList<>(List.of("java"));
    command.addAll(List.of(apiJvm().split("\\s+")));
    String extra = System.getenv("GPILOT_BENCH_API_OPTS");
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.strip().split("\\s+")));
    }
    command.addAll(
        List.of(
            "-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", ""),
            "-cp",
            System.getProperty("java.class.path"),
            "dev.gpilot.api.ControlApi"));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    pb.environment().put("CLICKHOUSE_URL", clickhouse);
    pb.environment().put("CLICKHOUSE_DATABASE", "gpilot_bench");
    pb.environment().put("GPILOT_API_PORT", String.valueOf(port));
    pb.environment().put("GPILOT_TOKENS_FILE", tokens.toString());
    // All the benchmark's streams are of one workspace: its stream quota (SPEC.md section 11,
    // default 2,000) must not
    // be what is measured. The instance's own bound stays.
    pb.environment()
        .putIfAbsent("GPILOT_QUOTA_STREAMS", String.valueOf(ApiOptions.DEFAULT_MAX_STREAMS));
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process api = pb.start();
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        HttpResponse<String> health =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (health.body().contains("UP")) {
          return api;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      if (!api.isAlive()) {
        throw new IllegalStateException("the API exited; see " + log);
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the API did not start in 2 minutes; see " + log);
  }

  private static CompletableFuture<JsonNode> node(String... args) throws Exception {
    return node(new ArrayList<>(), Map.of(), args);
  }

  /**
   * Runs bench-streams.mjs; its `ready` and `done` lines are added to {@code signals}, the JSON
   * line is the result.
   */
  private static CompletableFuture<JsonNode> node(
      List<String> signals, Map<String, String> env, String... args) throws Exception {
    NodeStreamClient.install();
    List<String> command = new ArrayList<>(List.of("node", "bench-streams.mjs"));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(NodeStreamClient.DIR.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().putAll(env);
    Process node = builder.start();
    return CompletableFuture.supplyAsync(
        () -> {
          try (BufferedReader lines =
              new BufferedReader(
                  new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            String last = null;
            while ((line = lines.readLine()) != null) {
              if (line.equals("ready") || line.equals("done")) {
                synchronized (signals) {
                  signals.add(line);
                }
              } else {
                last = line;
              }
            }
            node.waitFor();
            return Json.mapper().readTree(last);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private static long cpuMillis(Process p) {
    return cpuMillis(p.toHandle());
  }

  private static long cpuMillis(ProcessHandle p) {
    return p.info().totalCpuDuration().map(Duration::toMillis).orElse(0L);
  }

  /**
   * The CPU used from its creation to {@link #stop()}, in % of one core: the API, this driver
   * (producer, baseline consumer; the job once it runs), the broker, and the whole machine's busy
   * share (other users' processes included), which says how far what was measured was queueing for
   * a core.
   */
  private static final class CpuMeter {
    private final Process api;
    private final ProcessHandle broker = brokerProcess();
    private final long t0 = System.nanoTime();
    private final long api0;
    private final long driver0 = cpuMillis(ProcessHandle.current());
    private final long broker0;
    private final MachineCpu machine0 = MachineCpu.now();

    CpuMeter(Process api) {
      this.api = api;
      this.api0 = cpuMillis(api);
      this.broker0 = broker == null ? 0 : cpuMillis(broker);
    }

    ObjectNode stop() {
      double wallMs = (System.nanoTime() - t0) / 1e6;
      ObjectNode cpu = Json.mapper().createObjectNode();
      cpu.put("api", Math.round(100.0 * (cpuMillis(api) - api0) / wallMs));
      cpu.put(
          "driver", Math.round(100.0 * (cpuMillis(ProcessHandle.current()) - driver0) / wallMs));
      if (broker != null) {
        cpu.put("broker", Math.round(100.0 * (cpuMillis(broker) - broker0) / wallMs));
      }
      cpu.put(
          "machineBusyPercentOfAllCores",
          Math.round(MachineCpu.now().since(machine0).busyPercent()));
      return cpu;
    }
  }

  /** The broker ./gpilot bench started ({@code GPILOT_BENCH_KAFKA_PID}), if any and alive. */
  private static ProcessHandle brokerProcess() {
    String pid = System.getenv("GPILOT_BENCH_KAFKA_PID");
    return pid == null || pid.isBlank()
        ? null
        : ProcessHandle.of(Long.parseLong(pid.strip())).orElse(null);
  }

  private static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (Exception e) {
      // not on Linux
    }
    return 0;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The benchmark's mission: a chain of {@code steps} steps, each on an agent of its own. */
  static List<PlanStep> chainPlan(int steps) {
    List<PlanStep> plan = new ArrayList<>();
    for (int s = 1; s <= steps; s++) {
      plan.add(
          new PlanStep(
              "s" + s,
              "agent-" + s,
              "work",
              null,
              s == 1 ? List.of() : List.of("s" + (s - 1)),
              null,
              null,
              null));
    }
    return plan;
  }
}
