package dev.gpilot.jobs.agents;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.agents.gemini.ApiKey;
import dev.gpilot.jobs.agents.gemini.DeploymentKey;
import dev.gpilot.jobs.agents.gemini.GeminiAgent;
import dev.gpilot.jobs.agents.gemini.GeminiOptions;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import dev.gpilot.standin.GeminiStandin;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Agent calls per second through one Flink task: the job's executor ({@link AgentExecutor} with its
 * call retries, {@link GeminiAgent}, the real google-genai SDK) against the Gemini stand-in at a
 * fixed latency, and the JVM's threads while it runs. {@code ./gpilot bench agents} runs it; it
 * prints the numbers and writes them as JSON.
 *
 * <p>Arguments: {@code --calls N} (4000), {@code --latency-ms L} (200), {@code --capacity C} (64),
 * {@code --out FILE} (.gpilot/bench/agents.json). The rate is measured over the calls after the
 * first 10% (the MiniCluster's start and the first connections are not the steady state). The
 * stand-in runs in this JVM; its threads are counted apart.
 */
public final class AgentBenchmark {
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new TreeMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int calls = Integer.parseInt(opts.getOrDefault("calls", "4000"));
    long latency = Long.parseLong(opts.getOrDefault("latency-ms", "200"));
    int capacity = Integer.parseInt(opts.getOrDefault("capacity", "64"));
    Path out = Path.of(opts.getOrDefault("out", ".gpilot/bench/agents.json"));

    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int threadsBefore = threads.getThreadCount();
    try (GeminiStandin standin = GeminiStandin.start(latency)) {
      GeminiOptions gemini =
          GeminiOptions.of(
                  DeploymentKey.insecureInJobGraph(ApiKey.of("bench-key")), standin.baseUrl())
              .withMaxConnections(capacity)
              .withCallTimeout(Duration.ofSeconds(30));
      List<StepRequest> requests = new ArrayList<>(calls);
      for (int i = 0; i < calls; i++) {
        requests.add(
            new StepRequest(
                "bench-" + (i / 4),
                "default",
                "s" + (i % 4 + 1),
                1,
                "agent-scout",
                "Find the audience",
                null,
                "Benchmark mission " + (i / 4),
                System.currentTimeMillis()));
      }
      Configuration conf = new Configuration();
      conf.setString("parallelism.default", "1");
      conf.setString("taskmanager.numberOfTaskSlots", "1");
      conf.setString("pipeline.generic-types", "false");
      conf.setString("pipeline.object-reuse", "true"); // as the job runs (LocalMissionJob)
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
      env.setBufferTimeout(0);

      List<Integer> samples = new ArrayList<>();
      AtomicInteger standinThreads = new AtomicInteger();
      AtomicInteger okHttpThreads = new AtomicInteger();
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      sampler.scheduleAtFixedRate(
          () -> {
            synchronized (samples) {
              samples.add(threads.getThreadCount());
            }
            int s = 0;
            int o = 0;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
              s += t.getName().startsWith("standin-") ? 1 : 0;
              o += t.getName().startsWith("OkHttp") ? 1 : 0;
            }
            standinThreads.accumulateAndGet(s, Math::max);
            okHttpThreads.accumulateAndGet(o, Math::max);
          },
          0,
          250,
          TimeUnit.MILLISECONDS);

      long[] finished = new long[calls];
      int succeeded = 0;
      long started = System.nanoTime();
      try (CloseableIterator<StepResult> results =
          AsyncDataStream.unorderedWait(
                  env.addSource(
                      new OpenEndedSource(requests),
                      "requests",
                      JsonTypeInfo.of(StepRequest.class)),
                  new AgentExecutor(
                      GeminiAgent.factory(gemini),
                      new CallRetries(3, Duration.ofMillis(100), Duration.ofMillis(1000))),
                  60,
                  TimeUnit.SECONDS,
                  capacity)
              .executeAndCollect("agent-benchmark")) {
        for (int i = 0; i < calls; i++) {
          StepResult result = results.next();
          finished[i] = System.nanoTime();
          succeeded += result.succeeded() ? 1 : 0;
        }
      }
      sampler.shutdownNow();

      int from = calls / 10;
      double seconds = (finished[calls - 1] - finished[from]) / 1e9;
      double rate = (calls - 1 - from) / seconds;
      List<Integer> sorted;
      synchronized (samples) {
        sorted = samples.stream().sorted().toList();
      }
      int maxThreads = sorted.get(sorted.size() - 1);
      int medianThreads = sorted.get(sorted.size() / 2);

      ObjectNode report = Json.mapper().createObjectNode();
      report.put(
          "benchmark",
          "agent calls through one Flink task (AgentExecutor + GeminiAgent + google-genai)"
              + " against the Gemini stand-in");
      report.put("calls", calls);
      report.put("succeeded", succeeded);
      report.put("latencyMs", latency);
      report.put("asyncCapacity", capacity);
      report.put("callsPerSecond", Math.round(rate * 10) / 10.0);
      report.put("ceilingCallsPerSecond", Math.round(capacity * 1000.0 / latency * 10) / 10.0);
      report.put("measuredOverCalls", calls - 1 - from);
      report.put("wallSeconds", Math.round((finished[calls - 1] - started) / 1e7) / 100.0);
      report.put("jvmThreadsBefore", threadsBefore);
      report.put("jvmThreadsMedianWhileRunning", medianThreads);
      report.put("jvmThreadsMaxWhileRunning", maxThreads);
      report.put("standinThreadsMax", standinThreads.get());
      report.put("okHttpThreadsMax", okHttpThreads.get());
      report.put("cpus", Runtime.getRuntime().availableProcessors());
      report.put("at", java.time.Instant.now().toString());
      String json = Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report);
      System.out.println(json);
      if (out.getParent() != null) {
        Files.createDirectories(out.getParent());
      }
      Files.writeString(out, json + "\n");
      System.out.println("written to " + out.toAbsolutePath());
    }
    System.exit(0);
  }

  private AgentBenchmark() {}
}
