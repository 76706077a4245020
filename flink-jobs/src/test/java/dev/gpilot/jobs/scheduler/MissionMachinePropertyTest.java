package dev.gpilot.jobs.scheduler;

import static dev.gpilot.contracts.events.EventTypes.STEP_CANCELLED;
import static dev.gpilot.contracts.events.EventTypes.STEP_COMPLETED;
import static dev.gpilot.contracts.events.EventTypes.STEP_FAILED;
import static dev.gpilot.contracts.events.EventTypes.STEP_SKIPPED;
import static dev.gpilot.contracts.events.EventTypes.STEP_STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.events.MissionBudgetReached;
import dev.gpilot.contracts.events.MissionEnded;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.StepCancelled;
import dev.gpilot.contracts.events.StepCompleted;
import dev.gpilot.contracts.events.StepEvent;
import dev.gpilot.contracts.events.StepFailed;
import dev.gpilot.contracts.events.StepRetrying;
import dev.gpilot.contracts.events.StepSkipped;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.Execution;
import dev.gpilot.contracts.mission.FailurePolicy;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.mission.StepStatus;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.rebuild.SummaryFold;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link MissionMachine} over random DAGs (1–12 steps, random dependencies, conditions, attempts,
 * timeouts, policy, execution and deadline) driven by random inputs: results of running attempts
 * (success, a success without the field a condition reads, retriable and fatal failures), replays
 * of old results, deltas (live and stale), timers firing in time order, and cancels. Seeded: a
 * failure names its seed. Invariants:
 *
 * <ul>
 *   <li>seqs are 1, 2, 3, … without a gap; exactly one final event, and it is the last;
 *   <li>every step ends in exactly one terminal state, announced by exactly one terminal event that
 *       matches it;
 *   <li>a step starts only after every dependency completed, and only if its condition held on
 *       their outputs; a skipped step had a dependency that did not succeed, or a false condition;
 *   <li>a step's attempts are 1, 2, … without a gap, at most its maxAttempts, one request each;
 *   <li>the header's counters (unfinished, running, ready steps) always match the steps; sequential
 *       missions never run two steps at once;
 *   <li>a dropped input emits and writes nothing; a delta writes only the header;
 *   <li>fail-fast: a failed step is followed only by cancellations and mission.failed; continue:
 *       the mission fails iff a step failed, naming exactly the failed steps, else completes;
 *   <li>cancel: nothing starts after it, every unfinished step is cancelled, the mission is
 *       CANCELLED;
 *   <li>after the end nothing emits anything, and the retention timer clears the mission;
 *   <li>the mission's events folded by {@code SummaryFold} (a rebuild) give the summary the machine
 *       wrote last, after every input, before the end as at it.
 * </ul>
 */
class MissionMachinePropertyTest {
  private static final int MISSIONS = 3_000;

  @Test
  void randomDags_withFailuresRetriesCancelsAndTimeouts_keepEveryInvariant() {
    MissionMachine machine =
        new MissionMachine(MissionMachineTest.OPTIONS, MissionMachineTest.RETRY);
    Map<String, Integer> seen = new HashMap<>();
    for (int seed = 0; seed < MISSIONS; seed++) {
      try {
        run(machine, seed, new ArrayList<>()).forEach(kind -> seen.merge(kind, 1, Integer::sum));
      } catch (AssertionError e) {
        throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
      }
    }
    // The incremental rules (a result looks only at what it can change) decide exactly as looking
    // at every step.
    MissionMachine everyStep =
        new MissionMachine(MissionMachineTest.OPTIONS, MissionMachineTest.RETRY, false);
    for (int seed = 0; seed < MISSIONS / 3; seed++) {
      List<MissionEvent> incremental = new ArrayList<>();
      List<MissionEvent> full = new ArrayList<>();
      run(machine, seed, incremental);
      run(everyStep, seed, full);
      assertThat(incremental).as("seed %d", seed).isEqualTo(full);
    }
    // The random inputs reach every ending and every kind of step outcome, or the invariants prove
    // little.
    assertThat(seen)
        .as("outcomes over %d missions", MISSIONS)
        .containsKeys(
            "COMPLETED",
            "FAILED",
            "CANCELLED",
            "TIMED_OUT",
            STEP_SKIPPED,
            STEP_FAILED,
            STEP_CANCELLED,
            "step.retrying",
            "condition is false",
            "condition could not be evaluated",
            "timed out");
  }

  private record Scenario(List<PlanStep> steps, Map<String, PlanStep> byId, MissionConfig config) {}

  private static Scenario scenario(Random r) {
    int n = 1 + r.nextInt(12);
    List<PlanStep> steps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> deps = new ArrayList<>();
      for (int j = 0; j < i; j++) {
        if (r.nextInt(10) < 3) {
          deps.add("s" + j);
        }
      }
      String condition =
          !deps.isEmpty() && r.nextInt(5) == 0
              ? "steps." + deps.get(r.nextInt(deps.size())) + ".output.score > 50"
              : null;
      Integer attempts = r.nextBoolean() ? null : 1 + r.nextInt(3);
      Integer timeout = r.nextBoolean() ? null : 1 + r.nextInt(5);
      steps.add(
          new PlanStep(
              "s" + i, "agent-scout", "do " + i, null, deps, condition, timeout, attempts));
    }
    Collections.shuffle(steps, r);
    Map<String, PlanStep> byId = new HashMap<>();
    steps.forEach(s -> byId.put(s.id(), s));
    MissionConfig config =
        new MissionConfig(
            List.of(),
            new Plan(steps),
            r.nextBoolean() ? Execution.PARALLEL : Execution.SEQUENTIAL,
            null,
            r.nextInt(5) == 0 ? 5 + r.nextInt(30) : null,
            r.nextBoolean() ? FailurePolicy.FAIL_FAST : FailurePolicy.CONTINUE,
            null);
    return new Scenario(steps, byId, config);
  }

  /** Runs one random mission; returns what happened in it (its status, event types, reasons). */
  private static Set<String> run(MissionMachine machine, long seed, List<MissionEvent> history) {
    Random r = new Random(seed);
    Scenario sc = scenario(r);
    MissionMemory m = new MissionMemory(machine);
    m.apply(
        new MissionInput.Submitted(
            new MissionSubmitted("m", "ws", 0, "random", sc.config(), null, null, null)));
    checkState(m, sc);
    int cancelAtEvent = -1;
    Map<String, Integer> statusEventsBeforeCancel = null;
    List<StepResult> answered = new ArrayList<>();
    for (int round = 0; round < 2_000 && !m.header.status.isTerminal(); round++) {
      List<StepRequest> live = m.requests.stream().filter(q -> isLive(m, q)).toList();
      int action = r.nextInt(100);
      if (action < 55 && !live.isEmpty()) {
        StepRequest q = live.get(r.nextInt(live.size()));
        StepResult result = answer(r, q, m.now);
        answered.add(result);
        m.apply(new MissionInput.Result(result));
      } else if (action < 65 && !answered.isEmpty()) {
        StepResult old = answered.get(r.nextInt(answered.size()));
        assertDropped(m, new MissionInput.Result(old));
      } else if (action < 75 && !m.requests.isEmpty()) {
        StepRequest q = m.requests.get(r.nextInt(m.requests.size()));
        boolean wasLive = isLive(m, q);
        Transition t =
            m.apply(
                new MissionInput.Delta(
                    new StepDelta("m", "ws", q.stepId(), q.attempt(), 0, "t", m.now)));
        if (wasLive) {
          assertThat(t.events())
              .singleElement()
              .satisfies(e -> assertThat(e.type()).isEqualTo("step.delta"));
          assertThat(t.steps()).isEmpty();
          assertThat(t.outputs()).isEmpty();
          assertThat(t.definition()).isNull();
          assertThat(t.timers()).isEmpty();
        } else {
          assertThat(t).isEqualTo(Transition.DROPPED);
        }
      } else if (action < 97 || live.isEmpty()) {
        if (!m.fireNextTimer()) {
          fail("stuck: no live request and no timer, status " + m.header.status);
        }
      } else {
        cancelAtEvent = m.events.size();
        m.apply(
            new MissionInput.Control(
                new MissionControl(MissionControl.CANCEL, "m", "ws", "prop", m.now)));
        assertThat(m.header.status).isEqualTo(MissionStatus.CANCELLED);
      }
      checkState(m, sc);
      // A rebuild at this moment folds the events so far into the live row: the summary written
      // last, if any.
      assertThat(SummaryFold.fold(m.events, 0L))
          .as("summary folded mid-run")
          .isEqualTo(
              m.summaries.isEmpty()
                  ? Optional.empty()
                  : Optional.of(m.summaries.get(m.summaries.size() - 1)));
    }
    assertThat(m.header.status.isTerminal()).as("mission finished").isTrue();
    checkHistory(m, sc, cancelAtEvent);
    // A rebuild from the topics folds the events into the summary the machine wrote last, field for
    // field.
    assertThat(SummaryFold.fold(m.events))
        .as("summary folded from the events")
        .contains(m.summaries.get(m.summaries.size() - 1));

    // After the end: nothing emits anything.
    int events = m.events.size();
    for (StepResult old : List.copyOf(answered)) {
      assertDropped(m, new MissionInput.Result(old));
    }
    for (StepRequest q : List.copyOf(m.requests)) {
      assertDropped(
          m,
          new MissionInput.Delta(new StepDelta("m", "ws", q.stepId(), q.attempt(), 9, "x", m.now)));
      assertDropped(
          m,
          new MissionInput.Result(
              StepResult.succeeded(
                  "m", "ws", q.stepId(), q.attempt(), q.agent(), null, m.now, m.now)));
    }
    assertDropped(
        m,
        new MissionInput.Control(
            new MissionControl(MissionControl.CANCEL, "m", "ws", "late", m.now)));
    assertDropped(
        m,
        new MissionInput.Submitted(
            new MissionSubmitted("m", "ws", 0, "again", sc.config(), null, null, null)));
    while (m.header != null && m.fireNextTimer()) {
      // timers of the finished mission: nothing but, at the end of the retention, the clear
    }
    assertThat(m.events).hasSize(events);
    assertThat(m.header).as("cleared after the retention").isNull();

    history.addAll(m.events);
    Set<String> kinds = new HashSet<>();
    kinds.add(((MissionEnded) m.events.get(m.events.size() - 1)).status());
    for (MissionEvent e : m.events) {
      kinds.add(e.type());
      String reason = reason(e);
      if (reason != null && reason.startsWith("condition is false")) {
        kinds.add("condition is false");
      } else if (reason != null && reason.contains("could not be evaluated")) {
        kinds.add("condition could not be evaluated");
      } else if (reason != null && reason.startsWith("timed out")) {
        kinds.add("timed out");
      }
    }
    return kinds;
  }

  private static boolean isLive(MissionMemory m, StepRequest q) {
    StepState s = m.steps.get(q.stepId());
    return s != null && s.status == StepStatus.RUNNING && s.attempt == q.attempt();
  }

  private static StepResult answer(Random r, StepRequest q, long now) {
    int kind = r.nextInt(100);
    if (kind < 65) {
      ObjectNode output = Json.mapper().createObjectNode().put("score", r.nextInt(100));
      return StepResult.succeeded("m", "ws", q.stepId(), q.attempt(), q.agent(), output, now, now);
    } else if (kind < 72) {
      // A condition reading "score" on this output cannot be evaluated.
      return StepResult.succeeded(
          "m",
          "ws",
          q.stepId(),
          q.attempt(),
          q.agent(),
          Json.mapper().createObjectNode().put("text", "no score"),
          now,
          now);
    }
    return StepResult.failed(
        "m", "ws", q.stepId(), q.attempt(), q.agent(), "error " + kind, now, now, kind < 90);
  }

  private static void assertDropped(MissionMemory m, MissionInput input) {
    Transition t = m.apply(input);
    assertThat(t.events()).as("%s emits nothing", input).isEmpty();
    assertThat(t.header()).isNull();
    assertThat(t.steps()).isEmpty();
    assertThat(t.outputs()).isEmpty();
    assertThat(t.requests()).isEmpty();
  }

  /** After every input: counters match, sequential runs one at a time. */
  private static void checkState(MissionMemory m, Scenario sc) {
    int unfinished = 0;
    int running = 0;
    int ready = 0;
    for (StepState s : m.steps.values()) {
      unfinished += s.status.isTerminal() ? 0 : 1;
      running += s.status == StepStatus.RUNNING ? 1 : 0;
      ready += s.status == StepStatus.READY ? 1 : 0;
    }
    assertThat(m.header.readySteps).as("ready counter").isEqualTo(ready);
    assertThat(m.header.unfinishedSteps).as("unfinished counter").isEqualTo(unfinished);
    assertThat(m.header.runningSteps).as("running counter").isEqualTo(running);
    if (sc.config().execution() == Execution.SEQUENTIAL) {
      assertThat(running).isLessThanOrEqualTo(1);
    }
  }

  private static void checkHistory(MissionMemory m, Scenario sc, int cancelAtEvent) {
    List<MissionEvent> events = m.events;
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).seq()).as("seq of event %d", i).isEqualTo(i + 1);
      assertThat(events.get(i).isFinal())
          .as("final only at the end")
          .isEqualTo(i == events.size() - 1);
    }
    Map<String, String> terminal = new HashMap<>();
    Map<String, List<Integer>> attempts = new HashMap<>();
    Map<String, JsonNode> outputs = new HashMap<>();
    Set<String> failed = new HashSet<>();
    int firstFailure = -1;
    for (int i = 0; i < events.size(); i++) {
      MissionEvent e = events.get(i);
      String id = e instanceof StepEvent s ? s.stepId() : null;
      if (id == null) {
        continue;
      }
      PlanStep planned = sc.byId().get(id);
      switch (e.type()) {
        case STEP_STARTED -> {
          assertThat(cancelAtEvent < 0 || i < cancelAtEvent).as("no start after cancel").isTrue();
          for (String dep : planned.dependsOn()) {
            assertThat(terminal.get(dep))
                .as("%s starts after %s completed", id, dep)
                .isEqualTo(STEP_COMPLETED);
          }
          if (planned.condition() != null) {
            String dep =
                planned
                    .condition()
                    .substring("steps.".length(), planned.condition().indexOf(".output"));
            assertThat(outputs.get(dep).path("score").asInt())
                .as("condition of %s held", id)
                .isGreaterThan(50);
          }
          attempts.computeIfAbsent(id, k -> new ArrayList<>()).add(((StepEvent) e).attempt());
        }
        case STEP_COMPLETED, STEP_FAILED, STEP_SKIPPED, STEP_CANCELLED -> {
          assertThat(terminal.put(id, e.type())).as("one terminal event for %s", id).isNull();
          if (e.type().equals(STEP_COMPLETED)) {
            outputs.put(id, ((StepCompleted) e).output());
          }
          if (e.type().equals(STEP_FAILED)) {
            failed.add(id);
            firstFailure = firstFailure < 0 ? i : firstFailure;
          }
          if (e.type().equals(STEP_SKIPPED)) {
            boolean depNotSucceeded =
                planned.dependsOn().stream().anyMatch(d -> !STEP_COMPLETED.equals(terminal.get(d)));
            boolean conditionFalse = reason(e).startsWith("condition is false");
            assertThat(depNotSucceeded || conditionFalse)
                .as("%s skipped for a reason", id)
                .isTrue();
          }
        }
        default -> {}
      }
    }
    for (PlanStep s : sc.steps()) {
      StepState state = m.steps.get(s.id());
      assertThat(state.status.isTerminal()).as("%s terminal", s.id()).isTrue();
      String expected =
          switch (state.status) {
            case SUCCEEDED -> STEP_COMPLETED;
            case FAILED -> STEP_FAILED;
            case SKIPPED -> STEP_SKIPPED;
            default -> STEP_CANCELLED;
          };
      assertThat(terminal.get(s.id())).as("terminal event of %s", s.id()).isEqualTo(expected);
      List<Integer> tried = attempts.getOrDefault(s.id(), List.of());
      int max =
          s.maxAttempts() == null
              ? MissionMachineTest.OPTIONS.defaultMaxAttempts()
              : s.maxAttempts();
      assertThat(tried.size()).as("attempts of %s", s.id()).isLessThanOrEqualTo(max);
      for (int a = 0; a < tried.size(); a++) {
        assertThat(tried.get(a)).isEqualTo(a + 1);
      }
      assertThat(
              m.requests.stream()
                  .filter(q -> q.stepId().equals(s.id()))
                  .map(StepRequest::attempt)
                  .toList())
          .as("one request per attempt of %s", s.id())
          .isEqualTo(tried);
    }
    MissionStatus status = m.header.status;
    if (cancelAtEvent >= 0) {
      assertThat(status).isEqualTo(MissionStatus.CANCELLED);
      return;
    }
    if (status == MissionStatus.TIMED_OUT) {
      return;
    }
    if (sc.config().failurePolicy() == FailurePolicy.FAIL_FAST && firstFailure >= 0) {
      assertThat(status).isEqualTo(MissionStatus.FAILED);
      for (MissionEvent e : events.subList(firstFailure + 1, events.size() - 1)) {
        assertThat(e.type()).as("after a failure under fail-fast").isEqualTo(STEP_CANCELLED);
      }
    } else if (failed.isEmpty()) {
      assertThat(status).isEqualTo(MissionStatus.COMPLETED);
    } else {
      assertThat(status).isEqualTo(MissionStatus.FAILED);
      List<String> named =
          List.of(m.header.reason.substring("steps failed: ".length()).split(", "));
      assertThat(named).containsExactlyInAnyOrderElementsOf(failed);
    }
  }

  /** The reason an event gives (a failure, a skip, the end of the mission), or null. */
  private static String reason(MissionEvent e) {
    if (e instanceof MissionEnded ended) {
      return ended.reason();
    } else if (e instanceof StepFailed failed) {
      return failed.reason();
    } else if (e instanceof StepRetrying retrying) {
      return retrying.reason();
    } else if (e instanceof StepSkipped skipped) {
      return skipped.reason();
    } else if (e instanceof StepCancelled cancelled) {
      return cancelled.reason();
    } else if (e instanceof MissionBudgetReached reached) {
      return reached.reason();
    }
    return null;
  }
}
