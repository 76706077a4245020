package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.mission.StepStatus;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.ingest.SchedulerInput;
import dev.gpilot.jobs.internal.serde.JsonNodeSerializer;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.KeyedStateStore;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.apache.flink.util.OutputTag;

/**
 * Runs missions as DAGs of steps, keyed by missionId: the Flink side of {@link MissionMachine},
 * which holds the rules. For each input or timer it hands the machine the mission's state, and
 * applies the {@link Transition}: writes what changed, emits the events (main output, each with the
 * next {@code seq}), step requests and summaries (side outputs), and registers the timers asked for
 * (per-attempt timeouts, retry back-off, the mission deadline, the end of a finished mission's
 * retention).
 *
 * <p>Two inputs, both keyed by missionId: the first carries the submitted missions, the second
 * everything else (step results, control records, deltas). Each subtask has at most {@code
 * maxMissionsInFlight} missions in flight (accepted and not yet ended, {@link IntakeBound}). A
 * mission that arrives at the bound waits, its submission kept in keyed state ({@code
 * mission-waiting}), and starts when a slot frees, in arrival order; results, cancels and deltas of
 * the running missions are never held back. A cancel of a waiting mission ends it at once ({@code
 * mission.accepted}, {@code mission.cancelled}, nothing run). Flink 2.x does not let an operator
 * stop reading one input ({@code InputSelectable}) in a job that checkpoints, so waiting missions
 * are held here, not left in Kafka (docs/DESIGN.md, "Bounded intake").
 *
 * <p>State, per mission, shaped by how it changes: {@code mission-header} (status, seq, times,
 * counters: written by nearly every input, a delta writes nothing else), {@code mission-definition}
 * (config and plan: written when the mission is accepted and when its plan is adopted), {@code
 * mission-steps} (one small entry per step, written when that step changes) and {@code
 * mission-outputs} (one entry per succeeded step, written once). Each has a serializer whose
 * snapshot checks the field layout. The state of the scheduler before this layout, one JSON value
 * per mission ({@code mission}), is converted on the first access to its mission and then cleared,
 * so a checkpoint of either version restores. The count of missions in flight is not state: it is
 * counted again from the headers on restore. State, timers ({@code user-timers}) and uid are those
 * of the one-input {@code KeyedProcessFunction} this operator replaced, so its checkpoints and
 * savepoints restore.
 *
 * <p>Delivery around it is at-least-once: a second submission of a known missionId is dropped, and
 * so is a result for a (stepId, attempt) that is not the step's running attempt (including results
 * of cancelled steps); both count as {@code duplicatesDropped}. After a restore, events emitted
 * after the last checkpoint are emitted again with the same seq; consumers dedupe by (missionId,
 * seq).
 */
public class MissionScheduler extends AbstractStreamOperator<MissionEvent>
    implements TwoInputStreamOperator<SchedulerInput, SchedulerInput, MissionEvent>,
        Triggerable<String, VoidNamespace> {
  private static final long serialVersionUID = 2L;

  public static final OutputTag<StepRequest> STEP_REQUESTS =
      new OutputTag<>("step-requests", JsonTypeInfo.immutable(StepRequest.class));
  public static final OutputTag<MissionSummary> SUMMARIES =
      new OutputTag<>("mission-summaries", JsonTypeInfo.of(MissionSummary.class));

  /**
   * The id of the Mission Overseer's planning step (no plan step id can start with an underscore).
   */
  public static final String PLANNING_STEP = MissionMachine.PLANNING_STEP;

  /** Missions in flight per subtask when the options do not say: no bound. */
  public static final int UNBOUNDED = Integer.MAX_VALUE;

  static ValueStateDescriptor<MissionHeader> headerDescriptor() {
    return new ValueStateDescriptor<>("mission-header", MissionHeaderSerializer.INSTANCE);
  }

  static ValueStateDescriptor<MissionDefinition> definitionDescriptor() {
    return new ValueStateDescriptor<>("mission-definition", MissionDefinitionSerializer.INSTANCE);
  }

  static MapStateDescriptor<String, StepState> stepsDescriptor() {
    return new MapStateDescriptor<>(
        "mission-steps", StringSerializer.INSTANCE, StepStateSerializer.INSTANCE);
  }

  static MapStateDescriptor<String, JsonNode> outputsDescriptor() {
    return new MapStateDescriptor<>(
        "mission-outputs", StringSerializer.INSTANCE, JsonNodeSerializer.INSTANCE);
  }

  /** A mission that arrived at the bound, kept until a slot frees. */
  static ValueStateDescriptor<MissionSubmitted> waitingDescriptor() {
    return new ValueStateDescriptor<>("mission-waiting", JsonTypeInfo.of(MissionSubmitted.class));
  }

  /** The state before the split, under its name and serializer, read only to convert it. */
  static ValueStateDescriptor<MissionState> legacyDescriptor() {
    return new ValueStateDescriptor<>("mission", JsonTypeInfo.of(MissionState.class));
  }

  private static final int DEFINITION_CACHE_SIZE = 10_000;

  private final SchedulerOptions options;
  private final int maxMissionsInFlight;
  private transient ValueState<MissionHeader> headers;
  private transient ValueState<MissionDefinition> definitions;
  private transient MapState<String, StepState> steps;
  private transient MapState<String, JsonNode> outputs;
  private transient ValueState<MissionSubmitted> waiting;
  private transient ValueState<MissionState> legacy;
  private transient MissionMachine machine;
  private transient IntakeBound bound;
  private transient InternalTimerService<VoidNamespace> timers;
  private transient TimestampedCollector<MissionEvent> collector;

  /**
   * The input being processed, whose timestamp the outputs carry; null for timers and parked
   * missions.
   */
  private transient StreamRecord<?> current;

  private transient Counter duplicates;
  private transient Counter converted;

  /**
   * False when this instance started without a checkpoint: then no mission can still be in the old
   * JSON state.
   */
  private transient boolean mayHoldJsonState;

  /**
   * Decoded definitions of recent missions. A definition is immutable once written, and a key's
   * state is written only by the instance that owns it, so a cached one is the stored one; the
   * cache starts empty with every (re)start. Saves every result a read and a JSON parse of the
   * config and plan.
   */
  private transient Map<String, MissionDefinition> definitionCache;

  /** A scheduler without a bound on missions in flight. */
  public MissionScheduler(SchedulerOptions options) {
    this(options, UNBOUNDED);
  }

  /**
   * @param maxMissionsInFlight missions in flight per subtask at most (at least 1)
   */
  public MissionScheduler(SchedulerOptions options, int maxMissionsInFlight) {
    if (maxMissionsInFlight < 1) {
      throw new IllegalArgumentException(
          "maxMissionsInFlight must be at least 1, got " + maxMissionsInFlight);
    }
    this.options = options;
    this.maxMissionsInFlight = maxMissionsInFlight;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    mayHoldJsonState = context.isRestored();
    KeyedStateStore store = context.getKeyedStateStore();
    headers = store.getState(headerDescriptor());
    definitions = store.getState(definitionDescriptor());
    steps = store.getMapState(stepsDescriptor());
    outputs = store.getMapState(outputsDescriptor());
    waiting = store.getState(waitingDescriptor());
    legacy = store.getState(legacyDescriptor());
    bound = new IntakeBound(maxMissionsInFlight);
    if (context.isRestored()) {
      countRestored();
    }
  }

  /**
   * Counts the missions in flight and parked in this subtask's key groups (after a restore or a
   * rescale).
   */
  private void countRestored() throws Exception {
    int[] inFlight = {0};
    getKeyedStateBackend()
        .<VoidNamespace, ValueState<MissionHeader>, MissionHeader>applyToAllKeys(
            VoidNamespace.INSTANCE,
            VoidNamespaceSerializer.INSTANCE,
            headerDescriptor(),
            (key, state) -> inFlight[0] += inFlight(state.value()) ? 1 : 0);
    // Missions still in the JSON state of an older layout (converted on their next input).
    getKeyedStateBackend()
        .<VoidNamespace, ValueState<MissionState>, MissionState>applyToAllKeys(
            VoidNamespace.INSTANCE,
            VoidNamespaceSerializer.INSTANCE,
            legacyDescriptor(),
            (key, state) -> {
              MissionState old = state.value();
              inFlight[0] += old != null && old.status != null && !old.status.isTerminal() ? 1 : 0;
            });
    List<String> parked = new ArrayList<>();
    getKeyedStateBackend()
        .<VoidNamespace, ValueState<MissionSubmitted>, MissionSubmitted>applyToAllKeys(
            VoidNamespace.INSTANCE,
            VoidNamespaceSerializer.INSTANCE,
            waitingDescriptor(),
            (key, state) -> {
              if (state.value() != null) {
                parked.add((String) key);
              }
            });
    bound.restored(inFlight[0], parked);
  }

  @Override
  public void open() throws Exception {
    super.open();
    collector = new TimestampedCollector<>(output);
    timers = getInternalTimerService("user-timers", VoidNamespaceSerializer.INSTANCE, this);
    machine = new MissionMachine(options, RetryPolicy.exponential(options));
    duplicates = getMetricGroup().counter("duplicatesDropped");
    converted = getMetricGroup().counter("missionsConvertedFromJsonState");
    getMetricGroup().gauge("missionsInFlight", () -> bound.inFlight());
    getMetricGroup().gauge("missionsParked", () -> bound.parked());
    definitionCache =
        new LinkedHashMap<>(1_024, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, MissionDefinition> eldest) {
            return size() > DEFINITION_CACHE_SIZE;
          }
        };
    if (bound.parked() > 0) {
      // Restored with missions parked and maybe room for them: start them now, not at the next
      // input.
      ProcessingTimeService time = getProcessingTimeService();
      time.registerTimer(
          time.getCurrentProcessingTime(),
          at -> {
            collector.eraseTimestamp();
            current = null;
            startParked(time.getCurrentProcessingTime());
          });
    }
  }

  @Override
  public void processElement1(StreamRecord<SchedulerInput> element) throws Exception {
    process(element);
  }

  @Override
  public void processElement2(StreamRecord<SchedulerInput> element) throws Exception {
    process(element);
  }

  private void process(StreamRecord<SchedulerInput> element) throws Exception {
    collector.setTimestamp(element);
    current = element;
    long now = getProcessingTimeService().getCurrentProcessingTime();
    SchedulerInput input = element.getValue();
    if (input instanceof SchedulerInput.Submitted s && !bound.admits() && park(s.mission())) {
      startParked(now);
      return;
    }
    if (input instanceof SchedulerInput.Control c
        && MissionControl.CANCEL.equals(c.control().command())) {
      MissionSubmitted parked = waiting.value();
      if (parked != null) {
        waiting.clear();
        bound.unpark(parked.missionId());
        apply(new MissionInput.CancelledWaiting(parked, c.control()), now);
        return;
      }
    }
    apply(MissionInput.of(input), now);
    startParked(now);
  }

  @Override
  public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
    collector.eraseTimestamp();
    current = null;
    long now = getProcessingTimeService().getCurrentProcessingTime();
    apply(new MissionInput.TimerFired(timer.getTimestamp()), now);
    startParked(now);
  }

  @Override
  public void onEventTime(InternalTimer<String, VoidNamespace> timer) {
    // The scheduler registers processing-time timers only.
  }

  /**
   * Parks a new mission that arrived at the bound; returns false for one that is known (a
   * duplicate, for the machine to drop as always). A second submission of a parked mission is
   * dropped here.
   */
  private boolean park(MissionSubmitted mission) throws Exception {
    if (new KeyedStore(mission.missionId()).header() != null) {
      return false;
    }
    if (waiting.value() != null) {
      duplicates.inc();
      return true;
    }
    waiting.update(mission);
    bound.park(mission.missionId());
    return true;
  }

  /**
   * Starts parked missions while there is room (in arrival order; after a restore, in key order).
   */
  private void startParked(long now) throws Exception {
    String next = bound.nextToStart();
    if (next == null) {
      return;
    }
    collector.eraseTimestamp();
    current = null;
    for (; next != null; next = bound.nextToStart()) {
      setCurrentKey(next);
      MissionSubmitted mission = waiting.value();
      waiting.clear();
      if (mission != null) {
        apply(new MissionInput.Submitted(mission), now);
      }
    }
  }

  private static boolean inFlight(MissionHeader header) {
    return header != null && !header.status.isTerminal();
  }

  private void apply(MissionInput input, long now) throws Exception {
    String missionId = (String) getCurrentKey();
    KeyedStore store = new KeyedStore(missionId);
    boolean wasInFlight = inFlight(store.header());
    Transition t = machine.apply(store, input, now);
    if (t.dropped()) {
      duplicates.inc();
    }
    if (t.clear()) {
      definitionCache.remove(missionId);
      headers.clear();
      definitions.clear();
      steps.clear();
      outputs.clear();
      bound.changed(wasInFlight, false);
      return;
    }
    bound.changed(wasInFlight, t.header() != null ? inFlight(t.header()) : wasInFlight);
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
    t.events().forEach(collector::collect);
    t.requests().forEach(r -> output.collect(STEP_REQUESTS, record(r)));
    t.summaries().forEach(s -> output.collect(SUMMARIES, record(s)));
    t.timers().forEach(at -> timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, at));
  }

  /**
   * A side-output record, with the timestamp the main output has now (as a {@code
   * KeyedProcessFunction} did).
   */
  private <X> StreamRecord<X> record(X value) {
    return current != null && current.hasTimestamp()
        ? new StreamRecord<>(value, current.getTimestamp())
        : new StreamRecord<>(value);
  }

  /** Missions in flight on this subtask now (for tests). */
  int missionsInFlight() {
    return bound.inFlight();
  }

  /** Missions parked on this subtask now (for tests). */
  int missionsParked() {
    return bound.parked();
  }

  /**
   * The current key's state, read piece by piece as the machine asks (each piece at most once per
   * input). A mission that still has the old JSON value is converted here, on its first access.
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
      return stepsRead.computeIfAbsent(
          stepId,
          id -> {
            try {
              return steps.get(id);
            } catch (Exception e) {
              throw unreadable(e);
            }
          });
    }

    @Override
    public JsonNode output(String stepId) {
      return outputsRead.computeIfAbsent(
          stepId,
          id -> {
            try {
              return outputs.get(id);
            } catch (Exception e) {
              throw unreadable(e);
            }
          });
    }

    /**
     * Counts the READY steps of a header migrated from a state that did not count them (release
     * 0.1.0).
     */
    private int countReadySteps() throws Exception {
      int ready = 0;
      for (StepState step : steps.values()) {
        ready += step.status == StepStatus.READY ? 1 : 0;
      }
      return ready;
    }

    /**
     * Moves a mission kept as one JSON value into the split state, once; returns its header, or
     * null.
     */
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
