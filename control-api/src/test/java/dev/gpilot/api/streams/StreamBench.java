package dev.gpilot.api.streams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./gpilot bench streams [clients] [missions]}: the API's streams under load, on real parts. A Kafka broker
 * and the MissionJob (MiniCluster) run in this JVM; the API runs as its own process so that its CPU and memory are
 * its own; the clients are node processes using the Vercel AI SDK, which validates every chunk and assembles every
 * message.
 *
 * <ol>
 *   <li>Fan-out: {@code clients} streams over {@code missions} running missions whose events this driver writes to
 *       the events topic at a steady pace (each {@code ts} is the moment it is written), so the clients measure the
 *       latency from Kafka to them on every {@code data-step} chunk; then again with one stream per mission.
 *   <li>POST → first frame: missions submitted over HTTP and run by the job (0 ms simulated steps), each stream
 *       opened right after its POST, timed until its first chunk. The job starts after the fan-out, which does not
 *       need it.
 * </ol>
 *
 * Each phase first runs once unmeasured (a whole fan-out round on other missions; {@value #FIRST_FRAME_WARMUP}
 * missions, {@value #FIRST_FRAME_WARMUP_CONCURRENCY} at a time, then 5 s of rest), reported as {@code fanoutWarmup}
 * and {@code firstFrameWarmup}, so that the measured rounds see warm JVMs (broker, API, job) rather than their JIT
 * compilers. The measured first frames: {@value #FIRST_FRAME_CONCURRENCY} clients, each submitting its next mission
 * as soon as it has the previous one's first frame.
 *
 * Prints and saves the numbers ({@code GPILOT_BENCH_OUT}, default {@code .gpilot/bench/streams.json}).
 */
public final class StreamBench {
  private static final JsonCodec<MissionEvent> CODEC = JsonCodec.of(MissionEvent.class);
  private static final int STEPS = 5;
  private static final int DELTAS_PER_STEP = 3;
  private static final int EVENTS_PER_SECOND = 500;
  // The job starts cold right before the first-frame phase: its warm-up runs this many missions, this many at a
  // time, then lets the machine settle; otherwise the measured round shares the cores with the JIT compilers.
  private static final int FIRST_FRAME_WARMUP = 1000;
  private static final int FIRST_FRAME_WARMUP_CONCURRENCY = 20;
  private static final int FIRST_FRAME_CONCURRENCY = 10;

  private StreamBench() {}

  public static void main(String[] args) throws Exception {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int missions = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int firstFrames = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    if (clients % missions != 0) {
      throw new IllegalArgumentException("clients must be a multiple of missions");
    }
    String clickhouse = System.getenv("CLICKHOUSE_URL");
    if (clickhouse == null) {
      throw new IllegalStateException("set CLICKHOUSE_URL (./gpilot bench streams does)");
    }
    Path out = Path.of(System.getenv().getOrDefault("GPILOT_BENCH_OUT", ".gpilot/bench/streams.json"));
    Files.createDirectories(out.getParent());
    Path work = Files.createTempDirectory("stream-bench");

    // A broker of the caller's (./gpilot bench starts one as its own process), else one in this JVM.
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
      report.put("kafka", kafka == null ? "own process" : "in the driver's JVM");
      // Every phase runs once unmeasured first (printed too): the broker, the API and the clients start cold, and
      // what is measured is the API serving, not the JIT compiling it.
      report.set("fanoutWarmup", fanout(bootstrap, base, token, clients, missions, api, work));
      report.set("fanout", fanout(bootstrap, base, token, clients, missions, api, work));
      if (clients > missions) {
        // A second point: one stream per mission, the same events. What the latency owes to the number of streams
        // (and to the clients sharing this machine's cores) shows in the difference.
        report.set("fanoutOneStreamPerMission", fanout(bootstrap, base, token, missions, missions, api, work));
      }
      // The fan-out's events are written by this driver, so the job only runs from here on: idle, it would still
      // poll its sources and checkpoint every second on the cores the fan-out is measured on.
      job = LocalMissionJob.start(MissionJobOptions.of(bootstrap, clickhouse, "gpilot_bench"),
          LocalMissionJob.localConfiguration(work.resolve("checkpoints"), 2, 0, 2000)); // as `up` runs it
      report.set("firstFrameWarmup", firstFrames(base, token, FIRST_FRAME_WARMUP, FIRST_FRAME_WARMUP_CONCURRENCY, api));
      Thread.sleep(5000);
      report.set("firstFrame", firstFrames(base, token, firstFrames, FIRST_FRAME_CONCURRENCY, api));
      Files.writeString(out, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
      System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
      System.out.println("saved to " + out);
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

  private static ObjectNode fanout(String bootstrap, String base, String token, int clients, int missions,
      Process api, Path work) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      List<String> ids = new ArrayList<>();
      long[] seqs = new long[missions];
      List<PlanStep> plan = new ArrayList<>();
      for (int s = 1; s <= STEPS; s++) {
        plan.add(new PlanStep("s" + s, "agent-" + s, "work", null, s == 1 ? List.of() : List.of("s" + (s - 1)),
            null, null, null));
      }
      for (int m = 0; m < missions; m++) {
        String id = UUID.randomUUID().toString();
        ids.add(id);
        send(producer, event("mission.accepted", id, ++seqs[m]).status("PLANNING")
            .mission("bench " + m, MissionConfig.DEFAULT));
        send(producer, event("plan.ready", id, ++seqs[m]).plan(new Plan(plan)));
      }
      producer.flush();
      Path idsFile = Files.createTempFile(work, "missions", ".txt");
      Files.writeString(idsFile, String.join("\n", ids) + "\n");

      List<String> ready = new ArrayList<>();
      CompletableFuture<JsonNode> result = node(ready, "fanout", base, token, idsFile.toString(),
          String.valueOf(clients / missions), String.valueOf(STEPS));
      long deadline = System.currentTimeMillis() + 120_000;
      while (ready.isEmpty() && System.currentTimeMillis() < deadline && !result.isDone()) {
        Thread.sleep(50);
      }
      Thread.sleep(1000); // let the replays settle: what is measured next is live events only
      long rssOpen = rssKb(api.pid());

      // The baseline: the same events read by a plain consumer in this JVM, as the API's feed reads them.
      List<Long> baseline = java.util.Collections.synchronizedList(new ArrayList<>());
      java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean(true);
      Thread probe = new Thread(() -> consumeBaseline(bootstrap, reading, baseline), "baseline-consumer");
      probe.start();
      Thread.sleep(2000);

      CpuMeter cpu = new CpuMeter(api);
      long t0 = System.currentTimeMillis();
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
            MissionEvent.Builder e = switch (phase) {
              case 0 -> event("step.started", ids.get(m), ++seqs[m]).step(step, agent, 1).status("RUNNING");
              case DELTAS_PER_STEP + 1 -> event("step.completed", ids.get(m), ++seqs[m]).step(step, agent, 1)
                  .status("SUCCEEDED").durationMs(10).output(Json.mapper().createObjectNode().put("text", "ok"))
                  .cost("gemini-2.5-flash", new Usage(100, 20, 0, 0), 42);
              default -> event("step.delta", ids.get(m), ++seqs[m]).step(step, agent, 1).text("token " + phase + " ");
            };
            send(producer, e);
            events++;
          }
          rssPeak = Math.max(rssPeak, rssKb(api.pid()));
        }
      }
      for (int m = 0; m < missions; m++) {
        send(producer, event("mission.completed", ids.get(m), ++seqs[m]).status("COMPLETED").durationMs(1000));
        events++;
      }
      producer.flush();
      JsonNode clientsResult = result.get(10, TimeUnit.MINUTES);
      reading.set(false);
      probe.join(10_000);
      ObjectNode cpuUse = cpu.stop();

      ObjectNode fanout = (ObjectNode) clientsResult;
      fanout.set("kafkaToPlainConsumerMs", percentiles(baseline));
      fanout.put("eventsWritten", events);
      fanout.put("eventsPerSecond", EVENTS_PER_SECOND);
      fanout.put("apiCpuPercentOfOneCore", cpuUse.get("api").asLong());
      fanout.set("cpuPercentOfOneCore", cpuUse);
      fanout.put("apiRssWith" + clients + "StreamsMb", rssOpen / 1024);
      fanout.put("apiRssPeakMb", Math.max(rssPeak, rssKb(api.pid())) / 1024);
      return fanout;
    }
  }

  private static ObjectNode firstFrames(String base, String token, int missions, int concurrency, Process api)
      throws Exception {
    CpuMeter cpu = new CpuMeter(api);
    ObjectNode result =
        (ObjectNode) node("firstframe", base, token, String.valueOf(missions), String.valueOf(concurrency)).join();
    result.set("cpuPercentOfOneCore", cpu.stop());
    return result;
  }

  /** Reads the events topic from its end, noting now - ts for every step.started / step.completed. */
  private static void consumeBaseline(String bootstrap, java.util.concurrent.atomic.AtomicBoolean reading,
      List<Long> latencies) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("fetch.max.wait.ms", "50");
    try (org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]> consumer =
        new org.apache.kafka.clients.consumer.KafkaConsumer<>(props,
            new org.apache.kafka.common.serialization.StringDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(Topics.MISSION_EVENTS).stream()
          .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      while (reading.get()) {
        for (var record : consumer.poll(Duration.ofMillis(100))) {
          long now = System.currentTimeMillis();
          MissionEvent e = CODEC.decode(record.value());
          if (e.type().equals("step.started") || e.type().equals("step.completed")) {
            latencies.add(now - e.ts());
          }
        }
      }
    }
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
      p.put("p" + q, sorted.isEmpty() ? 0 : sorted.get(Math.max(0, (int) Math.ceil(q / 100.0 * sorted.size()) - 1)));
    }
    p.put("max", sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1));
    return p;
  }

  private static MissionEvent.Builder event(String type, String missionId, long seq) {
    return MissionEvent.of(type, missionId, "default", seq, System.currentTimeMillis());
  }

  private static void send(KafkaProducer<String, byte[]> producer, MissionEvent.Builder event) {
    MissionEvent e = event.build();
    producer.send(new ProducerRecord<>(Topics.MISSION_EVENTS, e.missionId(), CODEC.encode(e)));
  }

  private static Process startApi(String bootstrap, String clickhouse, String token, int port, Path work, Path log)
      throws Exception {
    Path tokens = work.resolve("api-tokens");
    String digest = HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    Files.writeString(tokens, digest + " default bench\n");
    // The API as `gpilot up` runs it (heap and logging), on the classpath of this JVM; GPILOT_BENCH_API_OPTS adds
    // JVM options (a profiler: -XX:StartFlightRecording=filename=api.jfr,settings=profile).
    List<String> command = new ArrayList<>(List.of("java", "-Xms256m", "-Xmx768m"));
    String extra = System.getenv("GPILOT_BENCH_API_OPTS");
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.strip().split("\\s+")));
    }
    command.addAll(List.of("-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", ""),
        "-cp", System.getProperty("java.class.path"), "dev.gpilot.api.ControlApi"));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    pb.environment().put("CLICKHOUSE_URL", clickhouse);
    pb.environment().put("CLICKHOUSE_DATABASE", "gpilot_bench");
    pb.environment().put("GPILOT_API_PORT", String.valueOf(port));
    pb.environment().put("GPILOT_TOKENS_FILE", tokens.toString());
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process api = pb.start();
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(2)).build(),
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
    return node(new ArrayList<>(), args);
  }

  /** Runs bench-streams.mjs; a `ready` line on its stdout is added to {@code ready}, the JSON line is the result. */
  private static CompletableFuture<JsonNode> node(List<String> ready, String... args) throws Exception {
    NodeStreamClient.install();
    List<String> command = new ArrayList<>(List.of("node", "bench-streams.mjs"));
    command.addAll(List.of(args));
    Process node = new ProcessBuilder(command).directory(NodeStreamClient.DIR.toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    return CompletableFuture.supplyAsync(() -> {
      try (BufferedReader lines =
          new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        String last = null;
        while ((line = lines.readLine()) != null) {
          if (line.equals("ready")) {
            synchronized (ready) {
              ready.add(line);
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
   * The CPU used from its creation to {@link #stop()}, in % of one core: the API, this driver (producer, baseline
   * consumer; the job once it runs), the broker, and the whole machine's busy share (other users' processes
   * included), which says how far what was measured was queueing for a core.
   */
  private static final class CpuMeter {
    private final Process api;
    private final ProcessHandle broker = brokerProcess();
    private final long t0 = System.nanoTime();
    private final long api0;
    private final long driver0 = cpuMillis(ProcessHandle.current());
    private final long broker0;
    private final long[] machine0 = machineJiffies();

    CpuMeter(Process api) {
      this.api = api;
      this.api0 = cpuMillis(api);
      this.broker0 = broker == null ? 0 : cpuMillis(broker);
    }

    ObjectNode stop() {
      double wallMs = (System.nanoTime() - t0) / 1e6;
      long[] machine = machineJiffies();
      ObjectNode cpu = Json.mapper().createObjectNode();
      cpu.put("api", Math.round(100.0 * (cpuMillis(api) - api0) / wallMs));
      cpu.put("driver", Math.round(100.0 * (cpuMillis(ProcessHandle.current()) - driver0) / wallMs));
      if (broker != null) {
        cpu.put("broker", Math.round(100.0 * (cpuMillis(broker) - broker0) / wallMs));
      }
      long total = machine[0] - machine0[0];
      cpu.put("machineBusyPercentOfAllCores", total == 0 ? 0 : Math.round(100.0 * (machine[1] - machine0[1]) / total));
      return cpu;
    }
  }

  /** The broker ./gpilot bench started ({@code GPILOT_BENCH_KAFKA_PID}), if any and alive. */
  private static ProcessHandle brokerProcess() {
    String pid = System.getenv("GPILOT_BENCH_KAFKA_PID");
    return pid == null || pid.isBlank() ? null : ProcessHandle.of(Long.parseLong(pid.strip())).orElse(null);
  }

  /** {total, busy} jiffies of the whole machine since boot (/proc/stat), or zeros when not on Linux. */
  private static long[] machineJiffies() {
    try {
      String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < cpu.length; i++) {
        total += Long.parseLong(cpu[i]);
      }
      long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]); // idle + iowait
      return new long[] {total, total - idle};
    } catch (Exception e) {
      return new long[] {0, 0};
    }
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
}
