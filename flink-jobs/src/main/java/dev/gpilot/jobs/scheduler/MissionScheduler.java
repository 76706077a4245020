package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.agents.AgentCatalog;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.FailurePolicy;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.Execution;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.mission.StepStatus;
import dev.gpilot.contracts.plan.Conditions;
import dev.gpilot.contracts.plan.PlanValidator;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.ingest.SchedulerInput;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import dev.gpilot.jobs.planner.DeterministicPlanner;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs missions as DAGs of steps: keyed by missionId, it holds each mission's whole state (plan, step states,
 * outputs, event sequence, timers) in Flink state and is the only place that decides what runs next.
 *
 * <p>Inputs: submissions, step results and control commands (cancel). Outputs: mission events (main output, each
 * with the next {@code seq}), step requests for the agent executor and mission summaries (side outputs). Timers:
 * per-attempt timeouts, retry back-off, the mission deadline, and clearing a finished mission's state.
 *
 * <p>A step becomes ready once every step it depends on has finished: if all succeeded and its condition (if any) is
 * true it runs; if its condition is false it is skipped; if a dependency failed, was skipped or cancelled, it is
 * skipped too. A failed attempt that may pass later (rate limit, 5xx, timeout) is retried with exponential back-off
 * and jitter until the step's attempts run out.
 *
 * <p>Delivery around it is at-least-once: a second submission of a known missionId is dropped, and so is a result
 * for a (stepId, attempt) that is not the step's running attempt (including results of cancelled steps). After a
 * restore, events emitted after the last checkpoint are emitted again with the same seq; consumers dedupe by
 * (missionId, seq).
 */
public class MissionScheduler extends KeyedProcessFunction<String, SchedulerInput, MissionEvent> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(MissionScheduler.class);

  public static final OutputTag<StepRequest> STEP_REQUESTS =
      new OutputTag<>("step-requests", JsonTypeInfo.of(StepRequest.class));
  public static final OutputTag<MissionSummary> SUMMARIES =
      new OutputTag<>("mission-summaries", JsonTypeInfo.of(MissionSummary.class));

  /** The id of the Mission Overseer's planning step (no plan step id can start with an underscore). */
  public static final String PLANNING_STEP = "_plan";

  private final SchedulerOptions options;
  private transient ValueState<MissionState> missions;
  private transient DeterministicPlanner planner;
  private transient PlanValidator validator;
  private transient Map<String, Conditions.Compiled> compiledConditions;
  private transient Counter duplicates;

  public MissionScheduler(SchedulerOptions options) {
    this.options = options;
  }

  @Override
  public void open(OpenContext openContext) {
    missions = getRuntimeContext()
        .getState(new ValueStateDescriptor<>("mission", JsonTypeInfo.of(MissionState.class)));
    planner = new DeterministicPlanner();
    validator = new PlanValidator(options.knownAgents());
    // Compiled conditions are a cache: state keeps only their source, so nothing un-serializable is checkpointed.
    compiledConditions = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Conditions.Compiled> eldest) {
        return size() > 10_000;
      }
    };
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicatesDropped");
  }

  @Override
  public void processElement(SchedulerInput input, Context ctx, Collector<MissionEvent> out) throws Exception {
    Run run = new Run(ctx, out, ctx.timerService().currentProcessingTime());
    if (input.submitted() != null) {
      onSubmitted(input.submitted(), run);
    } else if (input.result() != null) {
      onResult(input.result(), run);
    } else if (input.control() != null) {
      onControl(input.control(), run);
    } else {
      onDelta(input.delta(), run);
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<MissionEvent> out) throws Exception {
    MissionState state = missions.value();
    if (state == null) {
      return;
    }
    if (state.status.isTerminal()) {
      if (timestamp >= state.finishedAt + options.retention().toMillis()) {
        missions.clear();
      }
      return;
    }
    Run run = new Run(ctx, out, timestamp);
    if (state.deadlineAt > 0 && timestamp >= state.deadlineAt) {
      finish(state, MissionStatus.TIMED_OUT,
          "the mission's deadline of " + state.config.deadlineSeconds() + " s passed", run);
      return;
    }
    for (String id : state.order) {
      StepState step = state.steps.get(id);
      if (step.status == StepStatus.RUNNING && step.timeoutAt > 0 && timestamp >= step.timeoutAt) {
        // The attempt's result, should it still come, is for an attempt that is no longer running: dropped.
        attemptFailed(state, step, "timed out after " + step.timeoutMs + " ms", true, null, run);
        if (state.status.isTerminal()) {
          return;
        }
      }
    }
    advance(state, run);
  }

  private void onSubmitted(MissionSubmitted submitted, Run run) throws Exception {
    if (missions.value() != null) {
      duplicates.inc();
      LOG.debug("dropping duplicate submission of mission {}", submitted.missionId());
      return;
    }
    MissionState state = MissionState.accept(submitted, run.now);
    run.event(state, EventTypes.MISSION_ACCEPTED, b -> b.status(state.status.name())
        .mission(state.mission, state.config));
    if (state.deadlineAt > 0) {
      run.timer(state.deadlineAt);
    }

    MissionConfig config = submitted.config();
    boolean overseer = config.plan() == null && (config.planner() == null
        ? options.overseerByDefault() : config.planner().equals("overseer"));
    if (overseer) {
      ObjectNode parameters = Json.mapper().createObjectNode();
      ArrayNode allowed = parameters.putArray("allowedAgents");
      config.explicitAgents().forEach(allowed::add);
      state.startPlanning(new PlanStep(PLANNING_STEP, AgentCatalog.OVERSEER, state.mission, parameters, List.of(),
          null, null, null), options.defaultMaxAttempts(), options.defaultStepTimeout().toMillis());
      advance(state, run);
      return;
    }
    adoptPlan(state, config.plan() != null ? config.plan() : planner.plan(submitted), run);
  }

  /** Validates a plan and starts it, or fails the mission with the reason (nothing runs). */
  private void adoptPlan(MissionState state, Plan plan, Run run) throws Exception {
    PlanValidator.Validated valid;
    try {
      valid = validator.validate(plan);
    } catch (PlanValidator.InvalidPlanException e) {
      finish(state, MissionStatus.FAILED, "invalid plan: " + e.getMessage(), run);
      return;
    }
    valid.conditions().forEach((stepId, c) -> compiledConditions.put(c.source(), c));
    state.adopt(plan, valid.topologicalOrder(), options.defaultMaxAttempts(),
        options.defaultStepTimeout().toMillis(), run.now);
    run.event(state, EventTypes.PLAN_READY, b -> b.status(state.status.name()).plan(plan));
    run.summary(state);
    advance(state, run);
  }

  /** The overseer's answer: its output is the plan. */
  private void planned(MissionState state, StepState step, Run run) throws Exception {
    Plan plan;
    try {
      plan = Json.mapper().treeToValue(step.output, Plan.class);
    } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
      finish(state, MissionStatus.FAILED, "invalid plan: the Mission Overseer did not answer with a plan", run);
      return;
    }
    adoptPlan(state, plan, run);
  }

  private void onResult(StepResult result, Run run) throws Exception {
    MissionState state = missions.value();
    StepState step = state == null ? null : state.steps.get(result.stepId());
    if (step == null || step.status != StepStatus.RUNNING || step.attempt != result.attempt()) {
      // At-least-once loop: a replayed or stale result, or one of a step that was cancelled or timed out.
      duplicates.inc();
      return;
    }
    step.timeoutAt = 0;
    step.finishedAt = result.finishedAt();
    if (result.usage() != null) {
      step.usage = step.usage.plus(result.usage());
    }
    step.costMicros += result.costMicros();
    if (result.succeeded()) {
      step.status = StepStatus.SUCCEEDED;
      step.output = result.output();
      long duration = Math.max(0, result.finishedAt() - step.startedAt);
      run.event(state, EventTypes.STEP_COMPLETED, b -> withCost(b.step(step.id, step.agent, step.attempt)
          .status(step.status.name()).output(step.output).durationMs(duration), result));
      if (step.id.equals(PLANNING_STEP) && state.plan == null) {
        planned(state, step, run);
        return;
      }
    } else {
      attemptFailed(state, step, result.error(), result.retriable(), result, run);
      if (state.status.isTerminal()) {
        return;
      }
    }
    advance(state, run);
  }

  /** Model text of the running attempt becomes a {@code step.delta} event; anything else is dropped. */
  private void onDelta(StepDelta delta, Run run) throws Exception {
    MissionState state = missions.value();
    StepState step = state == null ? null : state.steps.get(delta.stepId());
    if (step == null || step.status != StepStatus.RUNNING || step.attempt != delta.attempt()) {
      duplicates.inc();
      return;
    }
    run.event(state, EventTypes.STEP_DELTA, b -> b.step(step.id, step.agent, step.attempt).text(delta.text()));
    missions.update(state);
  }

  private void onControl(MissionControl control, Run run) throws Exception {
    MissionState state = missions.value();
    if (state == null || state.status.isTerminal()) {
      duplicates.inc();
      return;
    }
    String who = control.requestedBy() == null ? "" : " by " + control.requestedBy();
    finish(state, MissionStatus.CANCELLED, "cancelled" + who, run);
  }

  /**
   * A failed attempt: retried after a back-off when it may pass and attempts remain, else the step fails. When the
   * provider said when to come back ({@link StepResult#retryAfterMs()}), the next attempt waits at least that long;
   * a wait longer than the step's timeout is not waited for: the step fails.
   */
  private void attemptFailed(MissionState state, StepState step, String error, boolean retriable, StepResult result,
      Run run) throws Exception {
    step.timeoutAt = 0;
    Long asked = retriable && result != null ? result.retryAfterMs() : null;
    boolean waitTooLong = asked != null && asked > step.timeoutMs;
    String reason = (error == null ? "failed" : error) + (waitTooLong
        ? " (the provider asked to wait " + asked + " ms before calling again, longer than the step's timeout of "
            + step.timeoutMs + " ms)"
        : "");
    if (retriable && step.attempt < step.maxAttempts && !waitTooLong) {
      long delay = asked == null ? backoff(step.attempt) : Math.max(backoff(step.attempt), retryAfter(asked));
      step.status = StepStatus.READY;
      step.retryAt = run.now + delay;
      run.timer(step.retryAt);
      run.event(state, EventTypes.STEP_RETRYING, b -> withCost(b.step(step.id, step.agent, step.attempt)
          .status(step.status.name()).reason(reason).retryInMs(delay), result));
      return;
    }
    step.status = StepStatus.FAILED;
    step.reason = reason;
    step.finishedAt = run.now;
    long duration = Math.max(0, run.now - step.startedAt);
    run.event(state, EventTypes.STEP_FAILED, b -> withCost(b.step(step.id, step.agent, step.attempt)
        .status(step.status.name()).reason(reason).durationMs(duration), result));
    if (state.config.failurePolicy() == FailurePolicy.FAIL_FAST || step.id.equals(PLANNING_STEP)) {
      finish(state, MissionStatus.FAILED, "step '" + step.id + "' failed: " + reason, run);
    }
  }

  /**
   * The provider's Retry-After plus 0–25 % jitter: never sooner than asked (counted from now, after the result
   * travelled here), and steps throttled at the same moment do not all come back in the same instant.
   */
  private static long retryAfter(long askedMs) {
    return askedMs + (long) Math.ceil(askedMs * 0.25 * ThreadLocalRandom.current().nextDouble());
  }

  /** Exponential back-off with ±25 % jitter, so retries of many steps do not hit a provider in lockstep. */
  private long backoff(int failedAttempt) {
    double base = options.retryBaseDelay().toMillis() * Math.pow(2, failedAttempt - 1);
    double capped = Math.min(base, options.retryMaxDelay().toMillis());
    return Math.round(capped * ThreadLocalRandom.current().nextDouble(0.75, 1.25));
  }

  /**
   * Moves the mission forward: settles pending steps whose dependencies have finished (ready, skipped or failed by
   * their condition), starts ready steps (all of them, or one at a time for sequential execution), and ends the
   * mission when every step has finished.
   */
  private void advance(MissionState state, Run run) throws Exception {
    boolean changed = true;
    while (changed && !state.status.isTerminal()) {
      changed = false;
      for (String id : state.order) {
        StepState step = state.steps.get(id);
        if (step.status == StepStatus.PENDING && settle(state, step, state.planStep(id), run)) {
          changed = true;
          if (state.status.isTerminal()) {
            return;
          }
        }
      }
    }
    dispatch(state, run);
    if (state.allStepsFinished() && state.plan != null) {
      List<String> failed = state.steps.values().stream()
          .filter(s -> s.status == StepStatus.FAILED).map(s -> s.id).toList();
      if (failed.isEmpty()) {
        finish(state, MissionStatus.COMPLETED, null, run);
      } else {
        finish(state, MissionStatus.FAILED, "steps failed: " + String.join(", ", failed), run);
      }
      return;
    }
    missions.update(state);
  }

  /** Decides a pending step whose dependencies have all finished. Returns whether it changed. */
  private boolean settle(MissionState state, StepState step, PlanStep planned, Run run) throws Exception {
    Map<String, Conditions.StepView> views = new LinkedHashMap<>();
    for (String dep : planned.dependsOn()) {
      StepState d = state.steps.get(dep);
      if (!d.status.isTerminal()) {
        return false;
      }
      if (d.status != StepStatus.SUCCEEDED) {
        skip(state, step, "dependency '" + dep + "' " + d.status.name().toLowerCase(), run);
        return true;
      }
    }
    if (planned.condition() != null && !planned.condition().isBlank()) {
      // Conditions may read any step they depend on, directly or not: give them every finished step.
      state.steps.values().stream().filter(s -> s.status.isTerminal())
          .forEach(s -> views.put(s.id, new Conditions.StepView(s.status.name(), s.output)));
      boolean holds;
      try {
        holds = Conditions.evaluate(condition(planned.condition()), views, state.config.params());
      } catch (Conditions.ConditionFailedException e) {
        step.attempt = Math.max(step.attempt, 1);
        step.startedAt = run.now;
        attemptFailed(state, step, e.getMessage(), false, null, run);
        return true;
      }
      if (!holds) {
        skip(state, step, "condition is false: " + planned.condition(), run);
        return true;
      }
    }
    step.status = StepStatus.READY;
    run.event(state, EventTypes.STEP_READY, b -> b.step(step.id, step.agent, step.attempt + 1)
        .status(step.status.name()));
    return true;
  }

  private Conditions.Compiled condition(String source) {
    return compiledConditions.computeIfAbsent(source, Conditions::compile);
  }

  private void skip(MissionState state, StepState step, String reason, Run run) {
    step.status = StepStatus.SKIPPED;
    step.reason = reason;
    step.finishedAt = run.now;
    run.event(state, EventTypes.STEP_SKIPPED, b -> b.step(step.id, step.agent, Math.max(1, step.attempt))
        .status(step.status.name()).reason(reason));
  }

  /** Starts ready steps whose back-off (if any) is over: all of them, or for sequential execution one at a time. */
  private void dispatch(MissionState state, Run run) {
    boolean sequential = state.config.execution() == Execution.SEQUENTIAL;
    if (sequential && state.anyRunning()) {
      return;
    }
    // Sequentially, a step waiting to retry keeps its turn; in parallel every due step starts.
    StepState retrying = sequential ? state.order.stream().map(state.steps::get)
        .filter(s -> s.status == StepStatus.READY && s.attempt > 0).findFirst().orElse(null) : null;
    for (String id : state.order) {
      StepState step = state.steps.get(id);
      if (step.status != StepStatus.READY || (retrying != null && step != retrying)) {
        continue;
      }
      if (step.retryAt > run.now) {
        if (sequential) {
          return;
        }
        continue;
      }
      start(state, step, state.planStep(id), run);
      if (sequential) {
        return;
      }
    }
  }

  private void start(MissionState state, StepState step, PlanStep planned, Run run) {
    step.status = StepStatus.RUNNING;
    step.attempt++;
    step.retryAt = 0;
    step.startedAt = run.now;
    step.timeoutAt = run.now + step.timeoutMs;
    run.timer(step.timeoutAt);
    Map<String, JsonNode> inputs = new LinkedHashMap<>();
    for (String dep : planned.dependsOn()) {
      JsonNode output = state.steps.get(dep).output;
      if (output != null) {
        inputs.put(dep, output);
      }
    }
    run.event(state, EventTypes.STEP_STARTED, b -> b.step(step.id, step.agent, step.attempt)
        .status(step.status.name()));
    run.request(new StepRequest(state.missionId, state.workspaceId, step.id, step.attempt, step.agent,
        planned.action(), planned.parameters(), state.mission, inputs, step.timeoutMs, run.now));
  }

  /** Ends the mission: steps not yet finished are cancelled (with an event each), the final event goes out. */
  private void finish(MissionState state, MissionStatus status, String reason, Run run) throws Exception {
    state.status = status;
    state.reason = reason;
    state.finishedAt = run.now;
    for (String id : state.order.isEmpty() ? List.copyOf(state.steps.keySet()) : state.order) {
      StepState step = state.steps.get(id);
      if (!step.status.isTerminal()) {
        step.status = StepStatus.CANCELLED;
        step.reason = reason;
        step.timeoutAt = 0;
        run.event(state, EventTypes.STEP_CANCELLED, b -> b.step(step.id, step.agent, Math.max(1, step.attempt))
            .status(step.status.name()).reason(reason));
      }
    }
    String type = switch (status) {
      case COMPLETED -> EventTypes.MISSION_COMPLETED;
      case CANCELLED -> EventTypes.MISSION_CANCELLED;
      case TIMED_OUT -> EventTypes.MISSION_TIMED_OUT;
      default -> EventTypes.MISSION_FAILED;
    };
    long duration = Math.max(0, state.finishedAt - state.submittedAt);
    MissionSummary summary = state.summary();
    run.event(state, type, b -> b.status(status.name()).reason(reason).durationMs(duration)
        .cost(null, null, summary.costMicros()));
    run.summary(state);
    missions.update(state);
    run.timer(state.finishedAt + options.retention().toMillis());
  }

  private static MissionEvent.Builder withCost(MissionEvent.Builder b, StepResult result) {
    if (result == null || (result.model() == null && result.usage() == null && result.costMicros() == 0)) {
      return b;
    }
    return b.cost(result.model(), result.usage(), result.costMicros());
  }

  /** One invocation's clock and outputs: emits a mission's events with consecutive seq numbers. */
  private static final class Run {
    final Context ctx;
    final Collector<MissionEvent> out;
    final long now;

    Run(Context ctx, Collector<MissionEvent> out, long now) {
      this.ctx = ctx;
      this.out = out;
      this.now = now;
    }

    void event(MissionState state, String type, UnaryOperator<MissionEvent.Builder> fill) {
      out.collect(fill.apply(MissionEvent.of(type, state.missionId, state.workspaceId, state.nextSeq(), now))
          .build());
    }

    void request(StepRequest request) {
      ctx.output(STEP_REQUESTS, request);
    }

    void summary(MissionState state) {
      ctx.output(SUMMARIES, state.summary());
    }

    void timer(long at) {
      ctx.timerService().registerProcessingTimeTimer(at);
    }
  }
}
