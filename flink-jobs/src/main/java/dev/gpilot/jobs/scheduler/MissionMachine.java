package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.agents.AgentCatalog;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.MissionAccepted;
import dev.gpilot.contracts.events.MissionBudgetExceeded;
import dev.gpilot.contracts.events.MissionBudgetReached;
import dev.gpilot.contracts.events.MissionCancelled;
import dev.gpilot.contracts.events.MissionCompleted;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.MissionFailed;
import dev.gpilot.contracts.events.MissionResumed;
import dev.gpilot.contracts.events.MissionTimedOut;
import dev.gpilot.contracts.events.PlanReady;
import dev.gpilot.contracts.events.StepCancelled;
import dev.gpilot.contracts.events.StepCompleted;
import dev.gpilot.contracts.events.StepFailed;
import dev.gpilot.contracts.events.StepReady;
import dev.gpilot.contracts.events.StepRetrying;
import dev.gpilot.contracts.events.StepSkipped;
import dev.gpilot.contracts.events.StepStarted;
import dev.gpilot.contracts.events.StepTextDelta;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.Execution;
import dev.gpilot.contracts.mission.FailurePolicy;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.mission.Rerun;
import dev.gpilot.contracts.mission.StepStatus;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.planner.DeterministicPlanner;
import dev.gpilot.plans.Conditions;
import dev.gpilot.plans.PlanValidator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The rules of a mission DAG, without Flink: {@code (state, input, now) → transition}. {@link
 * MissionScheduler} loads state, calls {@link #apply} and applies the {@link Transition}; tests
 * call it directly.
 *
 * <p>Rules. A mission is accepted once (a second submission of its id is dropped) and planned: its
 * explicit plan, the deterministic planner's, or the Mission Overseer's answer, run as a step of
 * its own ({@code _plan}). An invalid plan fails the mission before any step runs. A pending step
 * whose dependencies have all finished becomes READY if they all succeeded and its condition (if
 * any) holds; it is SKIPPED if one did not succeed or the condition is false; it FAILS if the
 * condition cannot be evaluated. Ready steps start (RUNNING, a request and a timeout timer): all of
 * them, or for sequential execution one at a time in topological order (a step waiting to retry
 * keeps its turn). A result counts only for the step's running attempt; anything else is dropped. A
 * failed attempt that may pass later (retriable, or timed out) is retried after {@link
 * RetryPolicy#delayMs} while attempts remain, else the step FAILS; under fail-fast (and always for
 * {@code _plan}) that fails the mission. Deltas of the running attempt become {@code step.delta}
 * events. The mission ends COMPLETED when every step finished and none failed, FAILED when one did,
 * CANCELLED on a cancel, TIMED_OUT at its deadline; ending cancels every unfinished step. A running
 * attempt the budget gate holds ({@link MissionControl#BUDGET_HELD}) has its timeout suspended and
 * pauses the mission (PAUSED, {@code mission.budget_reached}); when every held attempt was let go
 * it runs again ({@code mission.resumed}; the attempt's timeout counts from then), and an attempt
 * held longer than {@code config.budgetWaitSeconds} ends the mission BUDGET_EXCEEDED. A finished
 * mission's state is dropped {@code retention} after it ended. A fork ({@link Rerun}) runs its
 * original's plan (given as its explicit plan): the steps it reuses complete at once with their
 * recorded outputs, the others run as in any mission, on the fork's model when it names one.
 *
 * <p>Every event gets the mission's next seq (1, 2, 3, … without gaps). Not thread-safe (a cache of
 * compiled conditions); one instance per operator instance.
 */
public final class MissionMachine {
  /**
   * The id of the Mission Overseer's planning step (no plan step id can start with an underscore).
   */
  public static final String PLANNING_STEP = "_plan";

  private final SchedulerOptions options;
  private final RetryPolicy retryPolicy;
  private final boolean incremental;
  private final DeterministicPlanner planner = new DeterministicPlanner();
  private final PlanValidator validator;

  /** A cache: state keeps only a condition's source, so nothing un-serializable is checkpointed. */
  private final Map<String, Conditions.Compiled> compiledConditions =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Conditions.Compiled> eldest) {
          return size() > 10_000;
        }
      };

  /**
   * @param options defaults for attempts, timeouts, retention; which planner plans by default
   * @param retryPolicy how long to wait before retrying a failed attempt
   */
  public MissionMachine(SchedulerOptions options, RetryPolicy retryPolicy) {
    this(options, retryPolicy, true);
  }

  /**
   * @param incremental false: every input looks at every step (what tests compare the incremental
   *     rules with)
   */
  MissionMachine(SchedulerOptions options, RetryPolicy retryPolicy, boolean incremental) {
    this.options = options;
    this.retryPolicy = retryPolicy;
    this.validator = new PlanValidator(options.knownAgents());
    this.incremental = incremental;
  }

  /**
   * What {@code input} does to the mission held by {@code store} at time {@code now} (epoch ms; a
   * timer that fires late runs at {@code now}, one on time at its timestamp). Reads only what the
   * input needs; never changes what it reads.
   */
  public Transition apply(MissionStore store, MissionInput input, long now) {
    if (input instanceof MissionInput.Submitted s) {
      return onSubmitted(store, s.mission(), now);
    } else if (input instanceof MissionInput.Result r) {
      return onResult(store, r.result(), now);
    } else if (input instanceof MissionInput.Delta d) {
      return onDelta(store, d.delta(), now);
    } else if (input instanceof MissionInput.Control c) {
      return onControl(store, c.control(), now);
    } else if (input instanceof MissionInput.CancelledWaiting w) {
      return onCancelledWaiting(store, w, now);
    } else {
      // A timer runs at the later of its time and now: late after a restore (the job was down past
      // it), what it
      // starts (a retry, the next attempt's timeout) must count from now, not from a time already
      // gone.
      return onTimer(store, Math.max(((MissionInput.TimerFired) input).timestamp(), now));
    }
  }

  private Transition onSubmitted(MissionStore store, MissionSubmitted submitted, long now) {
    if (store.header() != null) {
      return Transition.DROPPED;
    }
    Run run = new Run(store, now);
    MissionHeader h = accept(run, submitted, now);
    if (h.deadlineAt > 0) {
      run.timer(h.deadlineAt);
    }
    return onAccepted(run, submitted);
  }

  /**
   * A mission cancelled while it waited for a slot (the scheduler's bound on missions in flight):
   * accepted and cancelled at once, before a step was planned or run, so a client sees it end as
   * any cancelled mission does.
   */
  private Transition onCancelledWaiting(
      MissionStore store, MissionInput.CancelledWaiting waiting, long now) {
    if (store.header() != null) {
      return Transition.DROPPED;
    }
    Run run = new Run(store, now);
    accept(run, waiting.mission(), now);
    finish(run, MissionStatus.CANCELLED, cancelled(waiting.control()) + " before it started");
    return run.done();
  }

  /** The reason of a mission cancelled by {@code control}: {@code cancelled by <who>}. */
  private static String cancelled(MissionControl control) {
    return control.requestedBy() == null ? "cancelled" : "cancelled by " + control.requestedBy();
  }

  /** The header, the definition and {@code mission.accepted} of a new mission. */
  private static MissionHeader accept(Run run, MissionSubmitted submitted, long now) {
    MissionHeader h = new MissionHeader();
    h.missionId = submitted.missionId();
    h.workspaceId = submitted.workspaceId();
    h.status = MissionStatus.PLANNING;
    h.submittedAt = submitted.ts();
    MissionConfig config = submitted.config();
    if (config.deadlineSeconds() != null) {
      h.deadlineAt = now + config.deadlineSeconds() * 1000L;
    }
    run.header = h;
    Rerun rerun = submitted.rerun();
    String model = rerun == null ? null : rerun.model();
    run.define(new MissionDefinition(submitted.mission(), config, null, List.of(), null, model));
    run.event(
        (m, w, seq, ts) ->
            new MissionAccepted(
                m,
                w,
                seq,
                ts,
                h.status.name(),
                submitted.mission(),
                config,
                rerun == null ? null : rerun.of(),
                model,
                rerun == null ? null : rerun.fromStep()));
    return h;
  }

  private Transition onAccepted(Run run, MissionSubmitted submitted) {
    MissionConfig config = submitted.config();
    Rerun rerun = submitted.rerun();
    String model = rerun == null ? null : rerun.model();
    boolean overseer =
        config.plan() == null
            && (config.planner() == null
                ? options.overseerByDefault()
                : config.planner().equals("overseer"));
    if (overseer) {
      ObjectNode parameters = Json.mapper().createObjectNode();
      ArrayNode allowed = parameters.putArray("allowedAgents");
      config.explicitAgents().forEach(allowed::add);
      PlanStep planning =
          new PlanStep(
              PLANNING_STEP,
              AgentCatalog.OVERSEER,
              submitted.mission(),
              parameters,
              List.of(),
              null,
              null,
              null);
      run.define(
          new MissionDefinition(
              submitted.mission(), config, null, List.of(PLANNING_STEP), planning, model));
      addStep(run, planning);
      advance(run, true);
      return run.done();
    }
    adoptPlan(
        run,
        config.plan() != null ? config.plan() : planner.plan(submitted),
        rerun == null ? Map.of() : rerun.reused());
    return run.done();
  }

  /** Validates a plan and starts it, or fails the mission with the reason (nothing runs). */
  private void adoptPlan(Run run, Plan plan) {
    adoptPlan(run, plan, Map.of());
  }

  /**
   * Validates a plan and starts it, or fails the mission with the reason (nothing runs). A fork's
   * reused steps ({@link Rerun#reused()}) complete first, before any step is settled: each one
   * whose dependencies are all reused too gets its recorded output and a {@code step.completed}
   * marked {@code reused}, with cost 0 and no request (no model call); a reused output whose
   * dependency is not reused is ignored and the step runs again.
   */
  private void adoptPlan(Run run, Plan plan, Map<String, JsonNode> reused) {
    PlanValidator.Validated valid;
    try {
      valid = validator.validate(plan);
    } catch (PlanValidator.InvalidPlanException e) {
      finish(run, MissionStatus.FAILED, "invalid plan: " + e.getMessage());
      return;
    }
    valid.conditions().forEach((stepId, c) -> compiledConditions.put(c.source(), c));
    run.define(run.definition().withPlan(plan, valid.topologicalOrder()));
    run.header.status = MissionStatus.RUNNING;
    run.header.startedAt = run.now;
    for (PlanStep step : plan.steps()) {
      addStep(run, step);
    }
    run.event((m, w, seq, ts) -> new PlanReady(m, w, seq, ts, run.header.status.name(), plan));
    if (!reused.isEmpty()) {
      Set<String> reusable = Rerun.closed(plan, reused.keySet());
      for (String id : valid.topologicalOrder()) {
        if (reusable.contains(id)) {
          reuse(run, run.step(id), reused.get(id));
        }
      }
    }
    run.summary();
    advance(run, true);
  }

  /** Adds a pending step, with the default attempts and timeout where the plan gives none. */
  private void addStep(Run run, PlanStep step) {
    int attempts = step.maxAttempts() == null ? options.defaultMaxAttempts() : step.maxAttempts();
    long timeout =
        step.timeoutSeconds() == null
            ? options.defaultStepTimeout().toMillis()
            : step.timeoutSeconds() * 1000L;
    run.addStep(step, attempts, timeout);
  }

  /**
   * Completes a step of a fork with the output recorded by its original: SUCCEEDED at once, no
   * attempt made, no model called, cost 0. Its event carries attempt 1 (the original's successful
   * attempt it stands for) and duration 0.
   */
  private void reuse(Run run, StepState step, JsonNode output) {
    run.status(step, StepStatus.SUCCEEDED);
    step.startedAt = run.now;
    step.finishedAt = run.now;
    run.output(step.id, output);
    run.event(
        (m, w, seq, ts) ->
            new StepCompleted(
                m,
                w,
                seq,
                ts,
                step.status.name(),
                step.id,
                step.agent,
                1,
                output,
                0L,
                null,
                null,
                0L,
                Boolean.TRUE));
  }

  private Transition onResult(MissionStore store, StepResult result, long now) {
    MissionHeader stored = store.header();
    StepState known = stored == null ? null : store.step(result.stepId());
    if (!isRunning(known, result.attempt())) {
      // At-least-once loop: a replayed or stale result, or one of a step that was cancelled or
      // timed out.
      return Transition.DROPPED;
    }
    Run run = new Run(store, now);
    StepState step = run.step(result.stepId());
    if (step.heldAt > 0) {
      // The gate let the attempt go and it ran; its release travels on another topic and came later
      // than its
      // result: the result stands for the release.
      release(run, step, null);
    }
    step.timeoutAt = 0;
    step.finishedAt = result.finishedAt();
    if (result.usage() != null) {
      step.usage = step.usage.plus(result.usage());
    }
    step.costMicros += result.costMicros();
    if (result.succeeded()) {
      run.status(step, StepStatus.SUCCEEDED);
      run.output(step.id, result.output());
      long duration = Math.max(0, result.finishedAt() - step.startedAt);
      Charge charge = Charge.of(result);
      run.event(
          (m, w, seq, ts) ->
              new StepCompleted(
                  m,
                  w,
                  seq,
                  ts,
                  step.status.name(),
                  step.id,
                  step.agent,
                  step.attempt,
                  result.output(),
                  duration,
                  charge.model(),
                  charge.usage(),
                  charge.costMicros(),
                  null));
      if (step.id.equals(PLANNING_STEP) && run.definition().plan() == null) {
        planned(run, result.output());
        return run.done();
      }
    } else {
      attemptFailed(run, step, result.error(), result.retriable(), result);
      if (run.header.status.isTerminal()) {
        return run.done();
      }
    }
    advance(run, !incremental);
    return run.done();
  }

  /**
   * Whether {@code step} (null: no such step) is running {@code attempt}: only the running
   * attempt's results, deltas and holds count.
   */
  private static boolean isRunning(StepState step, int attempt) {
    return step != null && step.status == StepStatus.RUNNING && step.attempt == attempt;
  }

  /** The overseer's answer: its output is the plan. */
  private void planned(Run run, JsonNode output) {
    Plan plan;
    try {
      plan = Json.mapper().treeToValue(output, Plan.class);
    } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
      plan = null;
    }
    if (plan == null) {
      // No output reads as no plan (null), not as an exception out of the operator.
      finish(
          run,
          MissionStatus.FAILED,
          "invalid plan: the Mission Overseer did not answer with a plan");
      return;
    }
    adoptPlan(run, plan);
  }

  /**
   * Model text of the running attempt becomes a {@code step.delta} event; anything else is dropped.
   */
  private Transition onDelta(MissionStore store, StepDelta delta, long now) {
    StepState step = store.header() == null ? null : store.step(delta.stepId());
    if (!isRunning(step, delta.attempt())) {
      return Transition.DROPPED;
    }
    // Reads the header and one step, writes only the header (its seq): a delta costs the same in
    // any mission.
    Run run = new Run(store, now);
    run.event(
        (m, w, seq, ts) ->
            new StepTextDelta(m, w, seq, ts, step.id, step.agent, step.attempt, delta.text()));
    return run.done();
  }

  private Transition onControl(MissionStore store, MissionControl control, long now) {
    MissionHeader stored = store.header();
    if (stored == null || stored.status.isTerminal()) {
      return Transition.DROPPED;
    }
    if (MissionControl.CANCEL.equals(control.command())) {
      Run run = new Run(store, now);
      finish(run, MissionStatus.CANCELLED, cancelled(control));
      return run.done();
    }
    StepState known = store.step(control.stepId());
    boolean held = MissionControl.BUDGET_HELD.equals(control.command());
    if (!isRunning(known, control.attempt()) || (known.heldAt > 0) == held) {
      // Not the running attempt (it timed out, or the mission moved on), or already so: nothing to
      // do.
      return Transition.DROPPED;
    }
    Run run = new Run(store, now);
    StepState step = run.step(control.stepId());
    MissionHeader h = run.header;
    if (held) {
      // The attempt waits at the budget gate: its timeout stops until it runs; the mission pauses.
      step.heldAt = now;
      step.timeoutAt = 0;
      h.status = MissionStatus.PAUSED;
      run.event(
          (m, w, seq, ts) ->
              new MissionBudgetReached(
                  m,
                  w,
                  seq,
                  ts,
                  MissionStatus.PAUSED.name(),
                  step.id,
                  step.agent,
                  step.attempt,
                  control.reason(),
                  control.budgetId()));
      Integer wait = run.definition().config().budgetWaitSeconds();
      if (wait != null) {
        run.timer(now + wait * 1000L);
      }
      return run.done();
    }
    release(run, step, control.budgetId());
    step.startedAt = now;
    step.timeoutAt = now + step.timeoutMs;
    run.timer(step.timeoutAt);
    return run.done();
  }

  /**
   * A held attempt goes: once no attempt of the mission waits any more, it runs again ({@code
   * mission.resumed}).
   */
  private static void release(Run run, StepState step, String budgetId) {
    step.heldAt = 0;
    if (heldSteps(run).isEmpty()) {
      MissionHeader h = run.header;
      h.status = run.definition().plan() == null ? MissionStatus.PLANNING : MissionStatus.RUNNING;
      run.event((m, w, seq, ts) -> new MissionResumed(m, w, seq, ts, h.status.name(), budgetId));
    }
  }

  /** The running attempts that wait for a budget. */
  private static List<StepState> heldSteps(Run run) {
    List<StepState> held = new ArrayList<>();
    if (run.header.runningSteps > 0) {
      for (String id : run.definition().stepIds()) {
        StepState s = run.step(id);
        if (s.status == StepStatus.RUNNING && s.heldAt > 0) {
          held.add(s);
        }
      }
    }
    return held;
  }

  private Transition onTimer(MissionStore store, long timestamp) {
    MissionHeader stored = store.header();
    if (stored == null) {
      return Transition.NOTHING;
    }
    if (stored.status.isTerminal()) {
      return timestamp >= stored.finishedAt + options.retention().toMillis()
          ? Transition.CLEAR
          : Transition.NOTHING;
    }
    Run run = new Run(store, timestamp);
    if (stored.deadlineAt > 0 && timestamp >= stored.deadlineAt) {
      finish(
          run,
          MissionStatus.TIMED_OUT,
          "the mission's deadline of " + run.definition().config().deadlineSeconds() + " s passed");
      return run.done();
    }
    Integer budgetWait = run.definition().config().budgetWaitSeconds();
    if (stored.status == MissionStatus.PAUSED && budgetWait != null) {
      for (StepState step : heldSteps(run)) {
        if (timestamp >= step.heldAt + budgetWait * 1000L) {
          finish(
              run,
              MissionStatus.BUDGET_EXCEEDED,
              "step '"
                  + step.id
                  + "' waited "
                  + budgetWait
                  + " s (config.budgetWaitSeconds) for a budget to cover it");
          return run.done();
        }
      }
    }
    if (stored.runningSteps > 0) {
      for (String id : run.definition().order()) {
        StepState step = run.step(id);
        if (step.status == StepStatus.RUNNING
            && step.timeoutAt > 0
            && timestamp >= step.timeoutAt) {
          // The attempt's result, should it still come, is for an attempt that is no longer
          // running: dropped.
          attemptFailed(run, step, "timed out after " + step.timeoutMs + " ms", true, null);
          if (run.header.status.isTerminal()) {
            return run.done();
          }
        }
      }
    }
    advance(run, true);
    return run.done();
  }

  /**
   * A failed attempt: retried after the retry policy's delay when it may pass and attempts remain,
   * else fails. When the provider said when to come back ({@link StepResult#retryAfterMs()}), a
   * wait longer than the step's timeout is not waited for: the step fails, naming the wait.
   */
  private void attemptFailed(
      Run run, StepState step, String error, boolean retriable, StepResult result) {
    step.timeoutAt = 0;
    Long asked = retriable && result != null ? result.retryAfterMs() : null;
    boolean waitTooLong = asked != null && asked > step.timeoutMs;
    String reason =
        (error == null ? "failed" : error)
            + (waitTooLong
                ? " (the provider asked to wait "
                    + asked
                    + " ms before calling again, longer than the step's timeout of "
                    + step.timeoutMs
                    + " ms)"
                : "");
    Charge charge = Charge.of(result);
    if (retriable && step.attempt < step.maxAttempts && !waitTooLong) {
      long delay = Math.max(0, retryPolicy.delayMs(step.attempt, result));
      run.status(step, StepStatus.READY);
      step.retryAt = run.now + delay;
      run.timer(step.retryAt);
      run.event(
          (m, w, seq, ts) ->
              new StepRetrying(
                  m,
                  w,
                  seq,
                  ts,
                  step.status.name(),
                  step.id,
                  step.agent,
                  step.attempt,
                  reason,
                  charge.model(),
                  charge.usage(),
                  charge.costMicros(),
                  delay));
      return;
    }
    run.status(step, StepStatus.FAILED);
    step.reason = reason;
    step.finishedAt = run.now;
    long duration = Math.max(0, run.now - step.startedAt);
    run.event(
        (m, w, seq, ts) ->
            new StepFailed(
                m,
                w,
                seq,
                ts,
                step.status.name(),
                step.id,
                step.agent,
                step.attempt,
                reason,
                duration,
                charge.model(),
                charge.usage(),
                charge.costMicros()));
    if (run.definition().config().failurePolicy() == FailurePolicy.FAIL_FAST
        || step.id.equals(PLANNING_STEP)) {
      finish(run, MissionStatus.FAILED, "step '" + step.id + "' failed: " + reason);
    }
  }

  /**
   * Moves the mission forward: settles pending steps whose dependencies have finished (ready,
   * skipped or failed by their condition), starts ready steps, and ends the mission when every step
   * has finished.
   *
   * <p>With {@code everyStep} false it looks only at what this input can have changed, in
   * topological order: the pending dependents of steps that finished during this input (every input
   * settles what it can, so no other pending step can have become settleable), and the steps that
   * became ready during it. A result in a 200-step mission thus reads a few steps, not 200. Plans,
   * timers and sequential missions look at every step.
   */
  private void advance(Run run, boolean everyStep) {
    MissionDefinition definition = run.definition();
    if (everyStep) {
      boolean changed = true;
      while (changed && !run.header.status.isTerminal()) {
        changed = false;
        for (String id : definition.order()) {
          StepState step = run.step(id);
          if (step.status == StepStatus.PENDING && settle(run, step, run.planStep(id))) {
            changed = true;
            if (run.header.status.isTerminal()) {
              return;
            }
          }
        }
      }
    } else {
      // Dependents come after their dependencies in the order, so taking candidates by position is
      // one ordered pass.
      TreeSet<Integer> candidates = new TreeSet<>();
      int seen = 0;
      while (true) {
        while (seen < run.finishedNow.size()) {
          for (String dependent : run.dependents(run.finishedNow.get(seen++))) {
            candidates.add(run.position(dependent));
          }
        }
        Integer next = candidates.pollFirst();
        if (next == null) {
          break;
        }
        String id = definition.order().get(next);
        StepState step = run.step(id);
        if (step.status == StepStatus.PENDING
            && settle(run, step, run.planStep(id))
            && run.header.status.isTerminal()) {
          return;
        }
      }
    }
    dispatch(run, everyStep);
    if (run.header.unfinishedSteps == 0 && definition.plan() != null) {
      List<String> failed = new ArrayList<>();
      for (String id : run.definition().stepIds()) {
        if (run.step(id).status == StepStatus.FAILED) {
          failed.add(id);
        }
      }
      if (failed.isEmpty()) {
        finish(run, MissionStatus.COMPLETED, null);
      } else {
        finish(run, MissionStatus.FAILED, "steps failed: " + String.join(", ", failed));
      }
    }
  }

  /** Decides a pending step whose dependencies have all finished. Returns whether it changed. */
  private boolean settle(Run run, StepState step, PlanStep planned) {
    for (String dep : planned.dependsOn()) {
      StepState d = run.step(dep);
      if (!d.status.isTerminal()) {
        return false;
      }
      if (d.status != StepStatus.SUCCEEDED) {
        skip(run, step, "dependency '" + dep + "' " + d.status.name().toLowerCase());
        return true;
      }
    }
    if (planned.condition() != null && !planned.condition().isBlank()) {
      Conditions.Compiled condition =
          compiledConditions.computeIfAbsent(planned.condition(), Conditions::compile);
      // A condition reads only steps it names, all finished (the validator makes them ancestors of
      // this step).
      Map<String, Conditions.StepView> views = new LinkedHashMap<>();
      for (String id : condition.referencedSteps()) {
        StepState s = run.step(id);
        if (s != null && s.status.isTerminal()) {
          views.put(id, new Conditions.StepView(s.status.name(), run.output(id)));
        }
      }
      boolean holds;
      try {
        holds = Conditions.evaluate(condition, views, run.definition().config().params());
      } catch (Conditions.ConditionFailedException e) {
        step.attempt = Math.max(step.attempt, 1);
        step.startedAt = run.now;
        attemptFailed(run, step, e.getMessage(), false, null);
        return true;
      }
      if (!holds) {
        skip(run, step, "condition is false: " + planned.condition());
        return true;
      }
    }
    run.status(step, StepStatus.READY);
    run.event(
        (m, w, seq, ts) ->
            new StepReady(
                m, w, seq, ts, step.status.name(), step.id, step.agent, step.attempt + 1));
    return true;
  }

  private void skip(Run run, StepState step, String reason) {
    run.status(step, StepStatus.SKIPPED);
    step.reason = reason;
    step.finishedAt = run.now;
    run.event(
        (m, w, seq, ts) ->
            new StepSkipped(
                m,
                w,
                seq,
                ts,
                step.status.name(),
                step.id,
                step.agent,
                Math.max(1, step.attempt),
                reason));
  }

  /**
   * Starts ready steps whose back-off (if any) is over: all of them, or for sequential execution
   * one at a time.
   */
  private void dispatch(Run run, boolean everyStep) {
    MissionDefinition definition = run.definition();
    boolean sequential = definition.config().execution() == Execution.SEQUENTIAL;
    if (sequential && run.header.runningSteps > 0) {
      return;
    }
    if (!sequential && !everyStep && run.header.readySteps == run.readiedNow.size()) {
      // In parallel every input starts each due ready step, so the only ready steps are those
      // readied by this one.
      List<String> readied = new ArrayList<>(run.readiedNow);
      readied.sort(java.util.Comparator.comparingInt(run::position));
      for (String id : readied) {
        StepState step = run.step(id);
        if (step.status == StepStatus.READY && step.retryAt <= run.now) {
          start(run, step, run.planStep(id));
        }
      }
      return;
    }
    // Sequentially, a step waiting to retry keeps its turn; in parallel every due step starts.
    StepState retrying = null;
    if (sequential) {
      for (String id : definition.order()) {
        StepState s = run.step(id);
        if (s.status == StepStatus.READY && s.attempt > 0) {
          retrying = s;
          break;
        }
      }
    }
    for (String id : definition.order()) {
      StepState step = run.step(id);
      if (step.status != StepStatus.READY || (retrying != null && step != retrying)) {
        continue;
      }
      if (step.retryAt > run.now) {
        if (sequential) {
          return;
        }
        continue;
      }
      start(run, step, run.planStep(id));
      if (sequential) {
        return;
      }
    }
  }

  private void start(Run run, StepState step, PlanStep planned) {
    run.status(step, StepStatus.RUNNING);
    step.attempt++;
    step.retryAt = 0;
    step.startedAt = run.now;
    step.timeoutAt = run.now + step.timeoutMs;
    run.timer(step.timeoutAt);
    Map<String, JsonNode> inputs = new LinkedHashMap<>();
    for (String dep : planned.dependsOn()) {
      JsonNode output = run.output(dep);
      if (output != null) {
        inputs.put(dep, output);
      }
    }
    run.event(
        (m, w, seq, ts) ->
            new StepStarted(m, w, seq, ts, step.status.name(), step.id, step.agent, step.attempt));
    MissionHeader h = run.header;
    run.requests.add(
        new StepRequest(
            h.missionId,
            h.workspaceId,
            step.id,
            step.attempt,
            step.agent,
            planned.action(),
            planned.parameters(),
            run.definition().mission(),
            inputs,
            step.timeoutMs,
            run.now,
            run.definition().model()));
  }

  /**
   * Ends the mission: steps not yet finished are cancelled (with an event each), the final event
   * goes out.
   */
  private void finish(Run run, MissionStatus status, String reason) {
    MissionHeader h = run.header;
    h.status = status;
    h.reason = reason;
    h.finishedAt = run.now;
    MissionDefinition definition = run.definition();
    for (String id : definition.order().isEmpty() ? definition.stepIds() : definition.order()) {
      StepState step = run.step(id);
      if (!step.status.isTerminal()) {
        run.status(step, StepStatus.CANCELLED);
        step.reason = reason;
        step.timeoutAt = 0;
        step.heldAt = 0;
        run.event(
            (m, w, seq, ts) ->
                new StepCancelled(
                    m,
                    w,
                    seq,
                    ts,
                    step.status.name(),
                    step.id,
                    step.agent,
                    Math.max(1, step.attempt),
                    reason));
      }
    }
    long duration = Math.max(0, h.finishedAt - h.submittedAt);
    long cost = 0;
    for (String id : definition.stepIds()) {
      cost += run.step(id).costMicros;
    }
    long totalCost = cost;
    String name = status.name();
    run.event(
        (m, w, seq, ts) ->
            switch (status) {
              case COMPLETED ->
                  new MissionCompleted(m, w, seq, ts, name, reason, duration, totalCost);
              case CANCELLED ->
                  new MissionCancelled(m, w, seq, ts, name, reason, duration, totalCost);
              case TIMED_OUT ->
                  new MissionTimedOut(m, w, seq, ts, name, reason, duration, totalCost);
              case BUDGET_EXCEEDED ->
                  new MissionBudgetExceeded(m, w, seq, ts, name, reason, duration, totalCost);
              default -> new MissionFailed(m, w, seq, ts, name, reason, duration, totalCost);
            });
    run.summary();
    run.timer(h.finishedAt + options.retention().toMillis());
  }

  /** The model call behind an attempt as its event carries it: all null when nothing was billed. */
  private record Charge(String model, Usage usage, Long costMicros) {
    static Charge of(StepResult result) {
      if (result == null
          || (result.model() == null && result.usage() == null && result.costMicros() == 0)) {
        return new Charge(null, null, null);
      }
      return new Charge(result.model(), result.usage(), result.costMicros());
    }
  }

  /** Makes one event from its envelope: the mission, the next seq, the input's time. */
  @FunctionalInterface
  private interface EventOf {
    MissionEvent make(String missionId, String workspaceId, long seq, long ts);
  }

  /**
   * One input's work on one mission: copies of what it read (loaded on first use), what it emits,
   * and at the end the difference from the store as a {@link Transition}.
   */
  private static final class Run {
    final MissionStore store;
    final long now;
    MissionHeader header;
    private MissionHeader storedHeader;
    private MissionDefinition definition;
    private boolean definitionLoaded;
    private boolean definitionChanged;
    private Map<String, PlanStep> planSteps;
    private Map<String, Integer> positions;
    private Map<String, List<String>> dependents;

    /**
     * Steps that finished (SUCCEEDED, FAILED, SKIPPED, CANCELLED) during this input, in that order.
     */
    final List<String> finishedNow = new ArrayList<>();

    /** Steps that became READY during this input. */
    final List<String> readiedNow = new ArrayList<>();

    private final Map<String, StepState> stored = new HashMap<>();
    private final Map<String, StepState> steps = new LinkedHashMap<>();
    private final Map<String, JsonNode> outputs = new LinkedHashMap<>();
    final List<MissionEvent> events = new ArrayList<>();
    final List<StepRequest> requests = new ArrayList<>();
    final List<MissionSummary> summaries = new ArrayList<>();
    final List<Long> timers = new ArrayList<>();

    Run(MissionStore store, long now) {
      this.store = store;
      this.now = now;
      this.storedHeader = store.header();
      this.header = storedHeader == null ? null : storedHeader.copy();
    }

    MissionDefinition definition() {
      if (definition == null && !definitionLoaded) {
        definition = store.definition();
      }
      definitionLoaded = true;
      return definition;
    }

    void define(MissionDefinition newDefinition) {
      definition = newDefinition;
      definitionLoaded = true;
      definitionChanged = true;
      planSteps = null;
      positions = null;
      dependents = null;
    }

    /** A step's place in the topological order. */
    int position(String id) {
      if (positions == null) {
        positions = new HashMap<>();
        List<String> order = definition().order();
        for (int i = 0; i < order.size(); i++) {
          positions.put(order.get(i), i);
        }
      }
      return positions.get(id);
    }

    /** The steps that depend on {@code id} directly. */
    List<String> dependents(String id) {
      if (dependents == null) {
        dependents = new HashMap<>();
        Plan plan = definition().plan();
        if (plan != null) {
          for (PlanStep s : plan.steps()) {
            for (String dep : s.dependsOn()) {
              dependents.computeIfAbsent(dep, k -> new ArrayList<>()).add(s.id());
            }
          }
        }
      }
      return dependents.getOrDefault(id, List.of());
    }

    PlanStep planStep(String id) {
      if (planSteps == null) {
        planSteps = definition().byId();
      }
      PlanStep step = planSteps.get(id);
      if (step == null) {
        throw new IllegalStateException("no step " + id + " in the plan of " + header.missionId);
      }
      return step;
    }

    /**
     * The working copy of a step (changes to it are compared with the store's at the end), or null.
     */
    StepState step(String id) {
      StepState s = steps.get(id);
      if (s == null) {
        StepState fromStore = store.step(id);
        if (fromStore == null) {
          return null;
        }
        stored.put(id, fromStore);
        s = fromStore.copy();
        steps.put(id, s);
      }
      return s;
    }

    void addStep(PlanStep planned, int maxAttempts, long timeoutMs) {
      steps.put(planned.id(), new StepState(planned.id(), planned.agent(), maxAttempts, timeoutMs));
      header.unfinishedSteps++;
    }

    /** Moves a step to a status, keeping the header's counters. */
    void status(StepState step, StepStatus to) {
      StepStatus from = step.status;
      if (from == StepStatus.RUNNING) {
        header.runningSteps--;
      }
      if (to == StepStatus.RUNNING) {
        header.runningSteps++;
      }
      if (from == StepStatus.READY) {
        header.readySteps--;
      }
      if (to == StepStatus.READY) {
        header.readySteps++;
        readiedNow.add(step.id);
      }
      if (!from.isTerminal() && to.isTerminal()) {
        header.unfinishedSteps--;
        finishedNow.add(step.id);
      }
      step.status = to;
    }

    JsonNode output(String id) {
      return outputs.containsKey(id) ? outputs.get(id) : store.output(id);
    }

    void output(String id, JsonNode output) {
      outputs.put(id, output);
    }

    void event(EventOf event) {
      events.add(event.make(header.missionId, header.workspaceId, header.nextSeq(), now));
    }

    void timer(long at) {
      timers.add(at);
    }

    void summary() {
      MissionDefinition d = definition();
      int succeeded = 0;
      int failed = 0;
      long cost = 0;
      Map<String, Long> agentCosts = new TreeMap<>();
      List<String> ids = d.stepIds();
      for (String id : ids) {
        StepState s = step(id);
        cost += s.costMicros;
        if (s.costMicros != 0) {
          agentCosts.merge(s.agent, s.costMicros, Long::sum);
        }
        if (s.status == StepStatus.SUCCEEDED) {
          succeeded++;
        } else if (s.status == StepStatus.FAILED) {
          failed++;
        }
      }
      MissionHeader h = header;
      summaries.add(
          new MissionSummary(
              h.workspaceId,
              h.missionId,
              h.status,
              d.mission(),
              h.submittedAt,
              h.startedAt,
              h.finishedAt,
              ids.size(),
              succeeded,
              failed,
              d.plan(),
              result(d, ids),
              h.reason,
              cost,
              agentCosts,
              h.lastSeq));
    }

    /**
     * The mission's result: the outputs of its final steps (those nothing depends on), by step id.
     */
    private JsonNode result(MissionDefinition d, List<String> ids) {
      if (header.status != MissionStatus.COMPLETED || d.plan() == null) {
        return null;
      }
      ObjectNode result = Json.mapper().createObjectNode();
      Set<String> dependedOn = new HashSet<>();
      d.plan().steps().forEach(s -> dependedOn.addAll(s.dependsOn()));
      for (String id : ids) {
        JsonNode output = dependedOn.contains(id) ? null : output(id);
        if (output != null) {
          result.set(id, output);
        }
      }
      return result;
    }

    Transition done() {
      Map<String, StepState> changed = new LinkedHashMap<>();
      steps.forEach(
          (id, s) -> {
            if (!s.equals(stored.get(id))) {
              changed.put(id, s);
            }
          });
      Map<String, JsonNode> newOutputs = new LinkedHashMap<>();
      outputs.forEach(
          (id, o) -> {
            if (o != null) {
              newOutputs.put(id, o);
            }
          });
      MissionDefinition newDefinition = definitionChanged ? definition : null;
      return new Transition(
          List.copyOf(events),
          List.copyOf(requests),
          List.copyOf(summaries),
          List.copyOf(timers),
          header != null && !header.equals(storedHeader) ? header : null,
          newDefinition,
          changed,
          newOutputs,
          false,
          false);
    }
  }
}
