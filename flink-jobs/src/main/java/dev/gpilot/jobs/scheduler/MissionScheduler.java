package dev.gpilot.jobs.scheduler;

import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.ingest.SchedulerInput;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Runs missions as DAGs of steps, keyed by missionId: the Flink side of {@link MissionMachine}, which holds the
 * rules. For each input or timer it loads the mission's state, asks the machine, and applies the
 * {@link Transition}: writes what changed, emits the events (main output, each with the next {@code seq}), step
 * requests and summaries (side outputs), and registers the timers asked for (per-attempt timeouts, retry back-off,
 * the mission deadline, the end of a finished mission's retention).
 *
 * <p>Delivery around it is at-least-once: a second submission of a known missionId is dropped, and so is a result
 * for a (stepId, attempt) that is not the step's running attempt (including results of cancelled steps); both count
 * as {@code duplicatesDropped}. After a restore, events emitted after the last checkpoint are emitted again with the
 * same seq; consumers dedupe by (missionId, seq).
 */
public class MissionScheduler extends KeyedProcessFunction<String, SchedulerInput, MissionEvent> {
  private static final long serialVersionUID = 1L;

  public static final OutputTag<StepRequest> STEP_REQUESTS =
      new OutputTag<>("step-requests", JsonTypeInfo.of(StepRequest.class));
  public static final OutputTag<MissionSummary> SUMMARIES =
      new OutputTag<>("mission-summaries", JsonTypeInfo.of(MissionSummary.class));

  /** The id of the Mission Overseer's planning step (no plan step id can start with an underscore). */
  public static final String PLANNING_STEP = MissionMachine.PLANNING_STEP;

  private final SchedulerOptions options;
  private transient ValueState<MissionState> missions;
  private transient MissionMachine machine;
  private transient Counter duplicates;

  public MissionScheduler(SchedulerOptions options) {
    this.options = options;
  }

  @Override
  public void open(OpenContext openContext) {
    missions = getRuntimeContext()
        .getState(new ValueStateDescriptor<>("mission", JsonTypeInfo.of(MissionState.class)));
    machine = new MissionMachine(options, RetryPolicy.exponential(options));
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicatesDropped");
  }

  @Override
  public void processElement(SchedulerInput input, Context ctx, Collector<MissionEvent> out) throws Exception {
    apply(MissionInput.of(input), ctx.timerService().currentProcessingTime(), ctx, out);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<MissionEvent> out) throws Exception {
    apply(new MissionInput.TimerFired(timestamp), timestamp, ctx, out);
  }

  private void apply(MissionInput input, long now, Context ctx, Collector<MissionEvent> out) throws Exception {
    MissionState state = missions.value();
    MissionStore store = state == null ? EMPTY : state.asStore();
    Transition t = machine.apply(store, input, now);
    if (t.dropped()) {
      duplicates.inc();
    }
    if (t.clear()) {
      missions.clear();
      return;
    }
    if (t.header() != null || t.definition() != null || !t.steps().isEmpty() || !t.outputs().isEmpty()) {
      if (state == null) {
        state = MissionState.of(t);
      } else {
        state.apply(t);
      }
      missions.update(state);
    }
    t.events().forEach(out::collect);
    t.requests().forEach(r -> ctx.output(STEP_REQUESTS, r));
    t.summaries().forEach(s -> ctx.output(SUMMARIES, s));
    t.timers().forEach(at -> ctx.timerService().registerProcessingTimeTimer(at));
  }

  private static final MissionStore EMPTY = new MissionStore() {
    @Override
    public MissionHeader header() {
      return null;
    }

    @Override
    public MissionDefinition definition() {
      return null;
    }

    @Override
    public StepState step(String stepId) {
      return null;
    }

    @Override
    public com.fasterxml.jackson.databind.JsonNode output(String stepId) {
      return null;
    }
  };
}
