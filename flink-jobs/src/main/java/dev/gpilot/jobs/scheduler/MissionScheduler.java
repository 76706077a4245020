package dev.gpilot.jobs.scheduler;

import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.mission.StepStatus;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.ingest.SchedulerInput;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import dev.gpilot.jobs.planner.DeterministicPlanner;
import dev.gpilot.jobs.planner.PlanValidator;
import java.time.Duration;
import java.util.Optional;
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
 * Runs missions: keyed by missionId, it holds each mission's whole state (plan, step states, event sequence) in
 * Flink state and is the only place that decides what runs next.
 *
 * <p>Inputs: submissions and step results. Outputs: mission events (main output, each with the next {@code seq}),
 * step requests for the agent executor and mission summaries (side outputs).
 *
 * <p>Delivery around it is at-least-once: a second submission of a known missionId is dropped, and so is a result
 * for a (stepId, attempt) that is not the step's running attempt. After a restore, events emitted after the last
 * checkpoint are emitted again with the same seq; consumers dedupe by (missionId, seq).
 */
public class MissionScheduler extends KeyedProcessFunction<String, SchedulerInput, MissionEvent> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(MissionScheduler.class);

  public static final OutputTag<StepRequest> STEP_REQUESTS =
      new OutputTag<>("step-requests", JsonTypeInfo.of(StepRequest.class));
  public static final OutputTag<MissionSummary> SUMMARIES =
      new OutputTag<>("mission-summaries", JsonTypeInfo.of(MissionSummary.class));

  private final Duration retention;
  private transient ValueState<MissionState> missions;
  private transient DeterministicPlanner planner;
  private transient PlanValidator validator;
  private transient Counter duplicates;

  /**
   * @param retention how long a finished mission's state is kept, so that a late duplicate submission is still
   *     recognised; keep it at least the missions topic's retention
   */
  public MissionScheduler(Duration retention) {
    this.retention = retention;
  }

  @Override
  public void open(OpenContext openContext) {
    missions =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>("mission", JsonTypeInfo.of(MissionState.class)));
    planner = new DeterministicPlanner();
    validator = new PlanValidator();
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicatesDropped");
  }

  @Override
  public void processElement(SchedulerInput input, Context ctx, Collector<MissionEvent> out) throws Exception {
    Emitter emit = new Emitter(ctx, out);
    if (input.submitted() != null) {
      onSubmitted(input.submitted(), emit);
    } else {
      onResult(input.result(), emit);
    }
  }

  private void onSubmitted(MissionSubmitted submitted, Emitter emit) throws Exception {
    if (missions.value() != null) {
      duplicates.inc();
      LOG.debug("dropping duplicate submission of mission {}", submitted.missionId());
      return;
    }
    MissionState state = MissionState.accept(submitted);
    emit.event(state, EventTypes.MISSION_ACCEPTED, b -> b.status(state.status.name())
        .mission(state.mission, state.config));

    Plan plan = planner.plan(submitted);
    Optional<String> invalid = validator.validate(plan);
    if (invalid.isPresent()) {
      finish(state, MissionStatus.FAILED, "invalid plan: " + invalid.get(), emit);
      return;
    }
    state.adopt(plan, emit.now());
    emit.event(state, EventTypes.PLAN_READY, b -> b.plan(plan));
    dispatchReadySteps(state, emit);
    emit.summary(state);
    missions.update(state);
  }

  private void onResult(StepResult result, Emitter emit) throws Exception {
    MissionState state = missions.value();
    StepState step = state == null ? null : state.steps.get(result.stepId());
    if (step == null || step.status != StepStatus.RUNNING || step.attempt != result.attempt()) {
      // At-least-once loop: a replayed or stale result for an attempt that is no longer running.
      duplicates.inc();
      return;
    }
    step.finishedAt = result.finishedAt();
    long duration = Math.max(0, result.finishedAt() - step.startedAt);
    if (result.succeeded()) {
      step.status = StepStatus.SUCCEEDED;
      step.output = result.output();
      emit.event(state, EventTypes.STEP_COMPLETED, b -> b.step(step.id, step.agent, step.attempt)
          .status(step.status.name()).output(step.output).durationMs(duration)
          .cost(result.model(), result.usage(), result.costMicros()));
      dispatchReadySteps(state, emit);
      if (state.allStepsFinished()) {
        finish(state, MissionStatus.COMPLETED, null, emit);
        return;
      }
    } else {
      step.status = StepStatus.FAILED;
      step.error = result.error();
      emit.event(state, EventTypes.STEP_FAILED, b -> b.step(step.id, step.agent, step.attempt)
          .status(step.status.name()).reason(result.error()).durationMs(duration)
          .cost(result.model(), result.usage(), result.costMicros()));
      finish(state, MissionStatus.FAILED, "step '" + step.id + "' failed: " + result.error(), emit);
      return;
    }
    missions.update(state);
  }

  /** Starts every pending step whose dependencies have all succeeded. */
  private void dispatchReadySteps(MissionState state, Emitter emit) {
    for (PlanStep planned : state.plan.steps()) {
      StepState step = state.steps.get(planned.id());
      if (step.status != StepStatus.PENDING || !state.dependenciesSucceeded(planned)) {
        continue;
      }
      step.status = StepStatus.RUNNING;
      step.attempt++;
      step.startedAt = emit.now();
      emit.event(state, EventTypes.STEP_STARTED, b -> b.step(step.id, step.agent, step.attempt)
          .status(step.status.name()));
      emit.request(new StepRequest(state.missionId, state.workspaceId, step.id, step.attempt, step.agent,
          planned.action(), planned.parameters(), state.mission, emit.now()));
    }
  }

  /** Ends the mission: steps not yet finished are cancelled, the final event and summary go out. */
  private void finish(MissionState state, MissionStatus status, String reason, Emitter emit) throws Exception {
    state.status = status;
    state.reason = reason;
    state.finishedAt = emit.now();
    for (StepState step : state.steps.values()) {
      if (!step.status.isTerminal()) {
        step.status = StepStatus.CANCELLED;
      }
    }
    String type = switch (status) {
      case COMPLETED -> EventTypes.MISSION_COMPLETED;
      case CANCELLED -> EventTypes.MISSION_CANCELLED;
      case TIMED_OUT -> EventTypes.MISSION_TIMED_OUT;
      default -> EventTypes.MISSION_FAILED;
    };
    long duration = state.finishedAt - state.submittedAt;
    emit.event(state, type, b -> b.status(status.name()).reason(reason).durationMs(Math.max(0, duration)));
    emit.summary(state);
    missions.update(state);
    emit.ctx.timerService().registerProcessingTimeTimer(state.finishedAt + retention.toMillis());
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<MissionEvent> out) throws Exception {
    MissionState state = missions.value();
    if (state != null && state.status.isTerminal() && timestamp >= state.finishedAt + retention.toMillis()) {
      missions.clear();
    }
  }

  /** Emits a mission's outputs with consecutive seq numbers. */
  private static final class Emitter {
    final Context ctx;
    final Collector<MissionEvent> out;

    Emitter(Context ctx, Collector<MissionEvent> out) {
      this.ctx = ctx;
      this.out = out;
    }

    long now() {
      return ctx.timerService().currentProcessingTime();
    }

    void event(MissionState state, String type, java.util.function.UnaryOperator<MissionEvent.Builder> fill) {
      out.collect(fill.apply(MissionEvent.of(type, state.missionId, state.workspaceId, state.nextSeq(), now()))
          .build());
    }

    void request(StepRequest request) {
      ctx.output(STEP_REQUESTS, request);
    }

    void summary(MissionState state) {
      ctx.output(SUMMARIES, state.summary());
    }
  }
}
