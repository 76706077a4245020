package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.contracts.mission.StepStatus;
import dev.gpilot.jobs.ingest.SchedulerInput;
import dev.gpilot.jobs.internal.serde.JsonNodeSerializer;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Runs missions as DAGs of steps, keyed by missionId: the Flink side of {@link MissionMachine}, which holds the
 * rules. For each input or timer it hands the machine the mission's state, and applies the {@link Transition}:
 * writes what changed, emits the events (main output, each with the next {@code seq}), step requests and summaries
 * (side outputs), and registers the timers asked for (per-attempt timeouts, retry back-off, the mission deadline,
 * the end of a finished mission's retention).
 *
 * <p>State, per mission, shaped by how it changes: {@code mission-header} (status, seq, times, counters: written by
 * nearly every input, a delta writes nothing else), {@code mission-definition} (config and plan: written when the
 * mission is accepted and when its plan is adopted), {@code mission-steps} (one small entry per step, written when
 * that step changes) and {@code mission-outputs} (one entry per succeeded step, written once). Each has a serializer
 * whose snapshot checks the field layout. The state of the scheduler before this layout, one JSON value per mission
 * ({@code mission}), is converted on the first access to its mission and then cleared, so a checkpoint of either
 * version restores.
 *
 * <p>Delivery around it is at-least-once: a second submission of a known missionId is dropped, and so is a result
 * for a (stepId, attempt) that is not the step's running attempt (including results of cancelled steps); both count
 * as {@code duplicatesDropped}. After a restore, events emitted after the last checkpoint are emitted again with the
 * same seq; consumers dedupe by (missionId, seq).
 */
public class MissionScheduler extends KeyedProcessFunction<String, SchedulerInput, MissionEvent>
    implements CheckpointedFunction {
  private static final long serialVersionUID = 1L;

  public static final OutputTag<StepRequest> STEP_REQUESTS =
      new OutputTag<>("step-requests", JsonTypeInfo.of(StepRequest.class));
  public static final OutputTag<MissionSummary> SUMMARIES =
      new OutputTag<>("mission-summaries", JsonTypeInfo.of(MissionSummary.class));

  /** The id of the Mission Overseer's planning step (no plan step id can start with an underscore). */
  public static final String PLANNING_STEP = MissionMachine.PLANNING_STEP;

  static ValueStateDescriptor<MissionHeader> headerDescriptor() {
    return new ValueStateDescriptor<>("mission-header", MissionHeaderSerializer.INSTANCE);
  }

  static ValueStateDescriptor<MissionDefinition> definitionDescriptor() {
    return new ValueStateDescriptor<>("mission-definition", MissionDefinitionSerializer.INSTANCE);
  }

  static MapStateDescriptor<String, StepState> stepsDescriptor() {
    return new MapStateDescriptor<>("mission-steps", StringSerializer.INSTANCE, StepStateSerializer.INSTANCE);
  }

  static MapStateDescriptor<String, JsonNode> outputsDescriptor() {
    return new MapStateDescriptor<>("mission-outputs", StringSerializer.INSTANCE, JsonNodeSerializer.INSTANCE);
  }

  /** The state before the split, under its name and serializer, read only to convert it. */
  static ValueStateDescriptor<MissionState> legacyDescriptor() {
    return new ValueStateDescriptor<>("mission", JsonTypeInfo.of(MissionState.class));
  }

  private static final int DEFINITION_CACHE_SIZE = 10_000;

  private final SchedulerOptions options;
  private transient ValueState<MissionHeader> headers;
  private transient ValueState<MissionDefinition> definitions;
  private transient MapState<String, StepState> steps;
  private transient MapState<String, JsonNode> outputs;
  private transient ValueState<MissionState> legacy;
  private transient MissionMachine machine;
  private transient Counter duplicates;
  private transient Counter converted;
  /** False when this instance started without a checkpoint: then no mission can still be in the old JSON state. */
  private transient boolean mayHoldJsonState;
  /**
   * Decoded definitions of recent missions. A definition is immutable once written, and a key's state is written only
   * by the instance that owns it, so a cached one is the stored one; the cache starts empty with every (re)start.
   * Saves every result a read and a JSON parse of the config and plan.
   */
  private transient Map<String, MissionDefinition> definitionCache;

  public MissionScheduler(SchedulerOptions options) {
    this.options = options;
  }

  @Override
  public void open(OpenContext openContext) {
    headers = getRuntimeContext().getState(headerDescriptor());
    definitions = getRuntimeContext().getState(definitionDescriptor());
    steps = getRuntimeContext().getMapState(stepsDescriptor());
    outputs = getRuntimeContext().getMapState(outputsDescriptor());
    legacy = getRuntimeContext().getState(legacyDescriptor());
    machine = new MissionMachine(options, RetryPolicy.exponential(options));
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicatesDropped");
    converted = getRuntimeContext().getMetricGroup().counter("missionsConvertedFromJsonState");
    definitionCache = new LinkedHashMap<>(1_024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, MissionDefinition> eldest) {
        return size() > DEFINITION_CACHE_SIZE;
      }
    };
  }

  @Override
  public void initializeState(FunctionInitializationContext context) {
    mayHoldJsonState = context.isRestored();
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) {
    // All state is keyed state; nothing of the function's own to snapshot.
  }

  @Override
  public void processElement(SchedulerInput input, Context ctx, Collector<MissionEvent> out) throws Exception {
    apply(MissionInput.of(input), ctx.timerService().currentProcessingTime(), ctx, out);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<MissionEvent> out) throws Exception {
    apply(new MissionInput.TimerFired(timestamp), ctx.timerService().currentProcessingTime(), ctx, out);
  }

  private void apply(MissionInput input, long now, Context ctx, Collector<MissionEvent> out) throws Exception {
    String missionId = ctx.getCurrentKey();
    Transition t = machine.apply(new KeyedStore(missionId), input, now);
    if (t.dropped()) {
      duplicates.inc();
    }
    if (t.clear()) {
      definitionCache.remove(missionId);
      headers.clear();
      definitions.clear();
      steps.clear();
      outputs.clear();
      return;
    }
    if (t.header() != null) {
      headers.update(t.header());
    }
    if (t.definition() != null) {
      definitions.update(t.definition());
      definitionCache.put(missionId, t.definition());
    }
    if (!t.steps().isEmpty()) {
      steps.putAll(t.steps());
    }
    if (!t.outputs().isEmpty()) {
      outputs.putAll(t.outputs());
    }
    t.events().forEach(out::collect);
    t.requests().forEach(r -> ctx.output(STEP_REQUESTS, r));
    t.summaries().forEach(s -> ctx.output(SUMMARIES, s));
    t.timers().forEach(at -> ctx.timerService().registerProcessingTimeTimer(at));
  }

  /**
   * The current key's state, read piece by piece as the machine asks (each piece at most once per input). A mission
   * that still has the old JSON value is converted here, on its first access.
   */
  private final class KeyedStore implements MissionStore {
    private final String missionId;
    private MissionHeader header;
    private boolean headerRead;
    private MissionDefinition definition;
    private boolean definitionRead;
    private final Map<String, StepState> stepsRead = new HashMap<>();
    private final Map<String, JsonNode> outputsRead = new HashMap<>();

    KeyedStore(String missionId) {
      this.missionId = missionId;
    }

    @Override
    public MissionHeader header() {
      if (!headerRead) {
        headerRead = true;
        try {
          header = headers.value();
          if (header == null && mayHoldJsonState) {
            header = convertJsonState();
          }
          if (header != null && header.readySteps == MissionHeader.READY_STEPS_UNKNOWN) {
            header.readySteps = countReadySteps();
          }
        } catch (Exception e) {
          throw unreadable(e);
        }
      }
      return header;
    }

    @Override
    public MissionDefinition definition() {
      if (!definitionRead) {
        definitionRead = true;
        definition = definitionCache.get(missionId);
        if (definition == null) {
          try {
            definition = definitions.value();
          } catch (Exception e) {
            throw unreadable(e);
          }
          if (definition != null) {
            definitionCache.put(missionId, definition);
          }
        }
      }
      return definition;
    }

    @Override
    public StepState step(String stepId) {
      return stepsRead.computeIfAbsent(stepId, id -> {
        try {
          return steps.get(id);
        } catch (Exception e) {
          throw unreadable(e);
        }
      });
    }

    @Override
    public JsonNode output(String stepId) {
      return outputsRead.computeIfAbsent(stepId, id -> {
        try {
          return outputs.get(id);
        } catch (Exception e) {
          throw unreadable(e);
        }
      });
    }

    /** Counts the READY steps of a header migrated from a state that did not count them (release 0.1.0). */
    private int countReadySteps() throws Exception {
      int ready = 0;
      for (StepState step : steps.values()) {
        ready += step.status == StepStatus.READY ? 1 : 0;
      }
      return ready;
    }

    /** Moves a mission kept as one JSON value into the split state, once; returns its header, or null. */
    private MissionHeader convertJsonState() throws Exception {
      MissionState old = legacy.value();
      if (old == null) {
        return null;
      }
      MissionHeader converted = old.header();
      headers.update(converted);
      definitions.update(old.definition());
      for (MissionState.Step s : old.steps.values()) {
        steps.put(s.id, s.toStepState());
      }
      outputs.putAll(old.outputs());
      legacy.clear();
      definitionCache.remove(missionId);
      MissionScheduler.this.converted.inc();
      return converted;
    }
  }

  private static IllegalStateException unreadable(Exception e) {
    return new IllegalStateException("cannot read the mission's state", e);
  }
}
