package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.plan.KnownAgents;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.ingest.SchedulerInput;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The scheduler operator alone, on one thread, in Flink's operator harness with RocksDB state (as
 * the job runs it): no Kafka, no executor, results answered at once. Measures what the scheduler's
 * state layout and rules cost.
 *
 * <ol>
 *   <li>{@code streaming}: one mission of a 200-step chain; each step streams {@code --deltas}
 *       deltas of {@code --delta-chars} characters, then succeeds with their text as its output (so
 *       the mission grows as it goes). Reports events/s and microseconds per delta over the whole
 *       mission.
 *   <li>{@code missions}: 3-step missions (a chain of explicit agents) with 0 ms steps and {@code
 *       --in-flight} missions in flight: every step request is answered with a result at once, in
 *       arrival order, and a finished mission is replaced by a new one. Reports missions/s after
 *       the first {@code --warmup} missions.
 * </ol>
 *
 * <p>Rates are wall-clock; on a shared machine they move with the load, so each line also gives the
 * task thread's CPU time (the operator's own work; RocksDB's background threads are not in it) per
 * unit of work.
 *
 * <p>Run: {@code mvn -q -o -pl benchmarks -am test-compile -Dconsole.skip=true} then {@code java
 * -cp benchmarks/target/classes:$(cat benchmarks/target/run.classpath)
 * dev.gpilot.jobs.scheduler.SchedulerBenchmark [--backend rocksdb|heap] [--rocksdb-memory 256mb]
 * [--deltas 20] [--missions 20000]} (the build writes benchmarks/target/run.classpath).
 */
public final class SchedulerBenchmark {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final SchedulerOptions OPTIONS =
      new SchedulerOptions(
          KnownAgents.FLEET,
          3,
          Duration.ofSeconds(60),
          Duration.ofSeconds(1),
          Duration.ofSeconds(30),
          Duration.ofHours(1),
          false);

  /**
   * {@code --rocksdb-memory}: RocksDB's memory (write buffers and block cache), e.g. 256mb; empty =
   * the harness's.
   */
  private static String rocksdbMemory = "";

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new TreeMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    String backend = opts.getOrDefault("backend", "rocksdb");
    int steps = Integer.parseInt(opts.getOrDefault("steps", "200"));
    int deltas = Integer.parseInt(opts.getOrDefault("deltas", "20"));
    int deltaChars = Integer.parseInt(opts.getOrDefault("delta-chars", "40"));
    int missions = Integer.parseInt(opts.getOrDefault("missions", "20000"));
    int inFlight = Integer.parseInt(opts.getOrDefault("in-flight", "1000"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "3000"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    String only = opts.getOrDefault("only", "both");
    rocksdbMemory = opts.getOrDefault("rocksdb-memory", "");

    System.out.printf(
        "backend=%s rocksdb-memory=%s steps=%d deltas/step=%d delta-chars=%d missions=%d"
            + " in-flight=%d warmup=%d%n",
        backend,
        rocksdbMemory.isEmpty() ? "harness" : rocksdbMemory,
        steps,
        deltas,
        deltaChars,
        missions,
        inFlight,
        warmup);
    if (!only.equals("missions")) {
      for (int r = 0; r < rounds; r++) {
        streaming(backend, steps, deltas, deltaChars, "stream-" + r);
      }
    }
    if (!only.equals("streaming")) {
      for (int r = 0; r < rounds; r++) {
        missions(backend, missions, inFlight, warmup);
      }
    }
  }

  private static SchedulerHarness harness(String backend) throws Exception {
    var harness = new SchedulerHarness(new MissionScheduler(OPTIONS));
    // RocksDB as the job configures it (LocalMissionJob): bloom filters on.
    Configuration rocksdb = new Configuration();
    rocksdb.setString("state.backend.rocksdb.use-bloom-filter", "true");
    if (!rocksdbMemory.isEmpty()) {
      // The harness's mock environment has little managed memory; a task manager gives RocksDB far
      // more.
      rocksdb.setString("state.backend.rocksdb.memory.fixed-per-slot", rocksdbMemory);
    }
    harness.setStateBackend(
        backend.equals("heap")
            ? new HashMapStateBackend()
            : new EmbeddedRocksDBStateBackend()
                .configure(rocksdb, SchedulerBenchmark.class.getClassLoader()));
    harness.open();
    harness.setProcessingTime(1_000);
    return harness;
  }

  /** One 200-step chain with streamed deltas: events/s and µs per delta. */
  static void streaming(String backend, int steps, int deltas, int deltaChars, String missionId)
      throws Exception {
    var harness = harness(backend);
    try {
      List<PlanStep> plan = new ArrayList<>();
      for (int i = 0; i < steps; i++) {
        plan.add(
            new PlanStep(
                "s" + i,
                "content-orchestrator",
                "write part " + i,
                null,
                i == 0 ? List.of() : List.of("s" + (i - 1)),
                null,
                null,
                null));
      }
      MissionConfig config =
          new MissionConfig(List.of(), new Plan(plan), null, null, null, null, null);
      String chunk = "x".repeat(deltaChars);
      long events = 0;
      long deltaNanos = 0;
      long start = System.nanoTime();
      long cpuStart = THREADS.getCurrentThreadCpuTime();
      harness.processElement(
          SchedulerInput.of(
              new MissionSubmitted(
                  missionId, "ws-1", 0, "a long streamed mission", config, null, null, null)),
          0);
      ConcurrentLinkedQueue<StreamRecord<StepRequest>> requests =
          harness.getSideOutput(MissionScheduler.STEP_REQUESTS);
      StreamRecord<StepRequest> next;
      while ((next = requests.poll()) != null) {
        StepRequest r = next.getValue();
        long t0 = System.nanoTime();
        for (int d = 0; d < deltas; d++) {
          harness.processElement(
              SchedulerInput.of(
                  new StepDelta(missionId, "ws-1", r.stepId(), r.attempt(), d, chunk, 1_000)),
              0);
        }
        deltaNanos += System.nanoTime() - t0;
        ObjectNode output = Json.mapper().createObjectNode().put("text", chunk.repeat(deltas));
        harness.processElement(
            SchedulerInput.of(
                StepResult.succeeded(
                    missionId, "ws-1", r.stepId(), r.attempt(), r.agent(), output, 1_000, 1_000)),
            0);
        events += harness.getOutput().size();
        harness.getOutput().clear();
      }
      events += harness.getOutput().size();
      double seconds = (System.nanoTime() - start) / 1e9;
      double cpuSeconds = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e9;
      System.out.printf(
          "streaming: %d steps x %d deltas: %d events in %.2f s = %.0f events/s; %.1f us per delta;"
              + " task thread CPU %.2f s = %.0f events per CPU-second%n",
          steps,
          deltas,
          events,
          seconds,
          events / seconds,
          deltaNanos / 1e3 / Math.max(1, (long) steps * deltas),
          cpuSeconds,
          events / cpuSeconds);
    } finally {
      harness.close();
    }
  }

  /** 3-step missions, 0 ms steps, {@code inFlight} in flight: missions/s after the warm-up. */
  static void missions(String backend, int total, int inFlight, int warmup) throws Exception {
    var harness = harness(backend);
    try {
      MissionConfig config =
          MissionConfig.ofAgents(List.of("agent-scout", "seo-analyst", "independent-verifier"));
      ConcurrentLinkedQueue<StreamRecord<StepRequest>> requests = null;
      int submitted = 0;
      int finished = 0;
      long warmStart = 0;
      long warmCpu = 0;
      long start = System.nanoTime();
      for (; submitted < Math.min(inFlight, total); submitted++) {
        submit(harness, "m-" + submitted, config);
      }
      requests = harness.getSideOutput(MissionScheduler.STEP_REQUESTS);
      StreamRecord<StepRequest> next;
      while ((next = requests.poll()) != null) {
        StepRequest r = next.getValue();
        harness.processElement(
            SchedulerInput.of(
                StepResult.succeeded(
                    r.missionId(),
                    r.workspaceId(),
                    r.stepId(),
                    r.attempt(),
                    r.agent(),
                    Json.mapper().createObjectNode().put("text", r.stepId() + " done"),
                    1_000,
                    1_000)),
            0);
        for (Object o : harness.getOutput()) {
          @SuppressWarnings("unchecked")
          MissionEvent e = ((StreamRecord<MissionEvent>) o).getValue();
          if (e.isFinal()) {
            finished++;
            if (finished == warmup) {
              warmStart = System.nanoTime();
              warmCpu = THREADS.getCurrentThreadCpuTime();
            }
            if (submitted < total) {
              submit(harness, "m-" + submitted++, config);
            }
          }
        }
        harness.getOutput().clear();
      }
      long end = System.nanoTime();
      double measured = (end - warmStart) / 1e9;
      double cpu = (THREADS.getCurrentThreadCpuTime() - warmCpu) / 1e9;
      System.out.printf(
          "missions: %d finished in %.2f s; after %d warm-up: %.0f missions/s (%d in flight);"
              + " task thread CPU %.0f us per mission = %.0f missions per CPU-second%n",
          finished,
          (end - start) / 1e9,
          warmup,
          (finished - warmup) / measured,
          inFlight,
          cpu * 1e6 / (finished - warmup),
          (finished - warmup) / cpu);
    } finally {
      harness.close();
    }
  }

  private static void submit(SchedulerHarness harness, String id, MissionConfig config)
      throws Exception {
    harness.processElement(
        SchedulerInput.of(
            new MissionSubmitted(
                id, "ws-1", 0, "benchmark mission " + id, config, null, null, null)),
        0);
  }

  private SchedulerBenchmark() {}
}
