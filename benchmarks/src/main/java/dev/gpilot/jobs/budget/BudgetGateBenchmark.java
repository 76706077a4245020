package dev.gpilot.jobs.budget;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.budget.BudgetMode;
import dev.gpilot.contracts.budget.BudgetPeriod;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.contracts.tenancy.BudgetRecord;
import dev.gpilot.contracts.tenancy.WalletGrantRecord;
import dev.gpilot.jobs.agents.StepRequest;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * The budget gate operator alone, on one thread, in Flink's operator harness with RocksDB state (as
 * the job runs it): step attempts of one workspace with {@code --in-flight} attempts running, each
 * answered by its result once the window is full. Two modes in one run: {@code none} (the workspace
 * has no budget and no wallet: what every attempt pays for passing the gate) and {@code budgets} (a
 * hard monthly workspace budget, a soft daily agent budget, a hard total model budget and a wallet
 * of two grants, all large enough never to hold: what reservations, settlements and draws cost).
 * Reports attempts/s and the task thread's CPU per attempt; compare with {@code
 * SchedulerBenchmark}'s CPU per step.
 *
 * <p>Run: {@code ./gpilot bench gate [attempts] [inFlight]}.
 */
public final class BudgetGateBenchmark {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final String WS = "bench";

  public static void main(String[] args) throws Exception {
    int attempts = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int inFlight = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    String backend = args.length > 2 ? args[2] : "rocksdb";
    System.out.printf(
        "budget gate: %d attempts, %d in flight, %s state, status every 250 ms%n",
        attempts, inFlight, backend);
    Map<String, double[]> results = new HashMap<>();
    // Alternate the modes (none, budgets, none, budgets): a machine whose load changes shows it in
    // the spread.
    for (int round = 0; round < 2; round++) {
      for (String mode : new String[] {"none", "budgets"}) {
        double[] r = run(mode, attempts, inFlight, backend);
        results.merge(mode, r, (a, b) -> new double[] {Math.max(a[0], b[0]), Math.min(a[1], b[1])});
      }
    }
    double[] none = results.get("none");
    double[] budgets = results.get("budgets");
    System.out.printf(
        "best of 2: none %.0f attempts/s (%.1f us CPU each); budgets %.0f attempts/s (%.1f us CPU"
            + " each); budgets cost %.1f us CPU more per attempt%n",
        none[0], none[1], budgets[0], budgets[1], budgets[1] - none[1]);
  }

  /**
   * @return {attempts/s, CPU microseconds per attempt} after a warm-up of a tenth of the attempts
   */
  static double[] run(String mode, int attempts, int inFlight, String backend) throws Exception {
    var harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new BudgetGate(new AttemptCostBound(null, null), 250)),
            GateInput::workspaceId,
            Types.STRING);
    Configuration rocksdb = new Configuration();
    rocksdb.setString("state.backend.rocksdb.use-bloom-filter", "true");
    harness.setStateBackend(
        backend.equals("heap")
            ? new HashMapStateBackend()
            : new EmbeddedRocksDBStateBackend()
                .configure(rocksdb, BudgetGateBenchmark.class.getClassLoader()));
    harness.open();
    long now = 1_767_225_600_000L; // 2026-01-01
    harness.setProcessingTime(now);
    try {
      if (mode.equals("budgets")) {
        long big = Long.MAX_VALUE / 8;
        harness.processElement(
            new GateInput.Budget(
                new BudgetRecord(
                    WS,
                    "monthly",
                    big,
                    BudgetPeriod.MONTH,
                    1,
                    false,
                    BudgetMode.HARD,
                    null,
                    null,
                    now,
                    "bench",
                    null,
                    1)),
            now);
        harness.processElement(
            new GateInput.Budget(
                new BudgetRecord(
                    WS,
                    "scouts",
                    big,
                    BudgetPeriod.DAY,
                    0,
                    false,
                    BudgetMode.SOFT,
                    "agent-scout",
                    null,
                    now,
                    "bench",
                    null,
                    1)),
            now);
        harness.processElement(
            new GateInput.Budget(
                new BudgetRecord(
                    WS,
                    "flash",
                    big,
                    BudgetPeriod.TOTAL,
                    0,
                    false,
                    BudgetMode.HARD,
                    null,
                    "gemini-2.5-flash",
                    now,
                    "bench",
                    null,
                    1)),
            now);
        harness.processElement(
            new GateInput.Grant(
                new WalletGrantRecord(WS, "a", big, now - 1, null, 1, null, now, "bench", 1)),
            now);
        harness.processElement(
            new GateInput.Grant(
                new WalletGrantRecord(WS, "b", big, now - 1, null, 5, null, now, "bench", 1)),
            now);
      }
      JsonNode params =
          Json.mapper()
              .createObjectNode()
              .set(
                  "simulate",
                  Json.mapper()
                      .createObjectNode()
                      .put("costMicros", 900)
                      .put("model", "gemini-2.5-flash"));
      Deque<StepRequest> running = new ArrayDeque<>();
      int warmup = attempts / 10;
      long start = 0;
      long cpuStart = 0;
      for (int i = 0; i < attempts + inFlight; i++) {
        if (i == warmup) {
          start = System.nanoTime();
          cpuStart = THREADS.getCurrentThreadCpuTime();
        }
        if (i < attempts) {
          StepRequest r =
              new StepRequest("m" + i, WS, "s1", 1, "agent-scout", "look", params, "mission", now);
          harness.processElement(new GateInput.Request(r), now);
          running.add(r);
        }
        if (running.size() >= inFlight || i >= attempts) {
          StepRequest done = running.poll();
          if (done == null) {
            break;
          }
          harness.processElement(
              new GateInput.Result(
                  new StepResult(
                      done.missionId(),
                      WS,
                      done.stepId(),
                      done.attempt(),
                      done.agent(),
                      true,
                      null,
                      null,
                      now,
                      now,
                      "gemini-2.5-flash",
                      new Usage(100, 200, 0, 0),
                      700,
                      "v",
                      false)),
              now);
        }
        if (i % 1_000 == 0) {
          now += 50;
          harness.setProcessingTime(
              now); // statuses go out as a job's would, every 250 ms of its time
          harness.getOutput().clear();
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double cpu = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e9;
      int measured = attempts - warmup;
      System.out.printf(
          "  %-8s %d attempts in %.2f s = %.0f attempts/s; %.1f us CPU per attempt (request + result)%n",
          mode, measured, seconds, measured / seconds, cpu * 1e6 / measured);
      return new double[] {measured / seconds, cpu * 1e6 / measured};
    } finally {
      harness.close();
    }
  }
}
