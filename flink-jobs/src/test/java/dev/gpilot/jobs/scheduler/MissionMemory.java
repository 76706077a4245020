package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.StepEvent;
import dev.gpilot.jobs.agents.StepRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One mission's state in maps, driven through {@link MissionMachine} as the scheduler drives it:
 * applies each {@link Transition}, keeps every event, request and timer, and remembers what the
 * last transition wrote.
 */
final class MissionMemory implements MissionStore {
  final MissionMachine machine;
  MissionHeader header;
  MissionDefinition definition;
  final Map<String, StepState> steps = new HashMap<>();
  final Map<String, JsonNode> outputs = new HashMap<>();
  final List<MissionEvent> events = new ArrayList<>();
  final List<StepRequest> requests = new ArrayList<>();
  final List<dev.gpilot.contracts.mission.MissionSummary> summaries = new ArrayList<>();

  /** Registered timers, by time (a count per time). */
  final TreeMap<Long, Integer> timers = new TreeMap<>();

  Transition last;
  long now = 1_000;
  int reads;

  MissionMemory(MissionMachine machine) {
    this.machine = machine;
  }

  Transition apply(MissionInput input) {
    Transition t = machine.apply(this, input, now);
    last = t;
    if (t.clear()) {
      header = null;
      definition = null;
      steps.clear();
      outputs.clear();
    }
    if (t.header() != null) {
      header = t.header();
    }
    if (t.definition() != null) {
      definition = t.definition();
    }
    steps.putAll(t.steps());
    outputs.putAll(t.outputs());
    events.addAll(t.events());
    requests.addAll(t.requests());
    summaries.addAll(t.summaries());
    t.timers().forEach(at -> timers.merge(at, 1, Integer::sum));
    return t;
  }

  /** Fires the earliest timer (moving the clock to it, never back); false if none is left. */
  boolean fireNextTimer() {
    Map.Entry<Long, Integer> first = timers.pollFirstEntry();
    if (first == null) {
      return false;
    }
    now = Math.max(now, first.getKey());
    for (int i = 0; i < first.getValue(); i++) {
      apply(new MissionInput.TimerFired(first.getKey()));
    }
    return true;
  }

  /** Fires every timer due at or before {@code time}, then sets the clock to it. */
  void advanceTo(long time) {
    while (!timers.isEmpty() && timers.firstKey() <= time) {
      fireNextTimer();
    }
    now = Math.max(now, time);
  }

  StepRequest request(String stepId) {
    return requests.stream()
        .filter(r -> r.stepId().equals(stepId))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  /** Event types (with their step id) since {@code from}. */
  List<String> types(int from) {
    return events.subList(from, events.size()).stream()
        .map(
            e ->
                e.type() + (e instanceof StepEvent s && s.stepId() != null ? ":" + s.stepId() : ""))
        .toList();
  }

  @Override
  public MissionHeader header() {
    reads++;
    return header;
  }

  @Override
  public MissionDefinition definition() {
    reads++;
    return definition;
  }

  @Override
  public StepState step(String stepId) {
    reads++;
    return steps.get(stepId);
  }

  @Override
  public JsonNode output(String stepId) {
    reads++;
    return outputs.get(stepId);
  }
}
