package dev.gpilot.jobs.rebuild;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.mission.Plan;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A finished mission's summary (the {@code missions} row the scheduler writes when the mission ends) folded from its
 * events alone, for a rebuild from the topics. The same numbers as the scheduler's {@code summary()}: steps are the
 * planning step (if the overseer planned) then the plan's; a step's cost adds up the costs its attempt events carry;
 * {@code submittedAt} is the final event's time less its {@code durationMs}; the version is the final event's seq.
 */
public final class SummaryFold {
  private SummaryFold() {}

  /** One step as its events tell it. */
  private static final class Step {
    String agent;
    String status;
    long costMicros;
    JsonNode output;
  }

  /**
   * @param events every event of one mission, in any order, possibly with duplicates
   * @return its summary, empty when the mission has not finished (no final event)
   */
  public static Optional<MissionSummary> fold(List<MissionEvent> events) {
    Map<Long, MissionEvent> bySeq = new TreeMap<>();
    events.forEach(e -> bySeq.putIfAbsent(e.seq(), e));
    List<MissionEvent> ordered = new ArrayList<>(bySeq.values());
    ordered.sort(Comparator.comparingLong(MissionEvent::seq));
    if (ordered.isEmpty() || !ordered.get(ordered.size() - 1).isFinal()) {
      return Optional.empty();
    }
    MissionEvent last = ordered.get(ordered.size() - 1);
    String mission = null;
    Plan plan = null;
    long startedAt = 0;
    Map<String, Step> steps = new LinkedHashMap<>();
    for (MissionEvent e : ordered) {
      switch (e.type()) {
        case EventTypes.MISSION_ACCEPTED -> mission = e.mission();
        case EventTypes.PLAN_READY -> {
          plan = e.plan();
          startedAt = e.ts();
        }
        default -> {
          if (e.stepId() == null || e.type().equals(EventTypes.STEP_DELTA)) {
            continue;
          }
          Step s = steps.computeIfAbsent(e.stepId(), id -> new Step());
          s.agent = e.agent() != null ? e.agent() : s.agent;
          if (e.status() != null) {
            s.status = e.status();
          }
          if (e.costMicros() != null && (e.type().equals(EventTypes.STEP_COMPLETED)
              || e.type().equals(EventTypes.STEP_FAILED) || e.type().equals(EventTypes.STEP_RETRYING))) {
            s.costMicros += e.costMicros();
          }
          if (e.type().equals(EventTypes.STEP_COMPLETED)) {
            s.output = e.output();
          }
        }
      }
    }
    List<String> ids = new ArrayList<>();
    if (steps.containsKey(PLANNING_STEP)) {
      ids.add(PLANNING_STEP);
    }
    if (plan != null) {
      plan.steps().forEach(s -> ids.add(s.id()));
    }
    int succeeded = 0;
    int failed = 0;
    long cost = 0;
    Map<String, Long> agentCosts = new TreeMap<>();
    for (String id : ids) {
      Step s = steps.get(id);
      if (s == null) {
        continue;
      }
      cost += s.costMicros;
      if (s.costMicros != 0) {
        agentCosts.merge(s.agent, s.costMicros, Long::sum);
      }
      if ("SUCCEEDED".equals(s.status)) {
        succeeded++;
      } else if ("FAILED".equals(s.status)) {
        failed++;
      }
    }
    MissionStatus status = MissionStatus.valueOf(last.status());
    JsonNode result = null;
    if (status == MissionStatus.COMPLETED && plan != null) {
      ObjectNode r = Json.mapper().createObjectNode();
      Set<String> dependedOn = new HashSet<>();
      plan.steps().forEach(s -> dependedOn.addAll(s.dependsOn()));
      for (String id : ids) {
        Step s = steps.get(id);
        if (!dependedOn.contains(id) && s != null && s.output != null) {
          r.set(id, s.output);
        }
      }
      result = r;
    }
    long duration = last.durationMs() == null ? 0 : last.durationMs();
    return Optional.of(new MissionSummary(last.workspaceId(), last.missionId(), status, mission,
        last.ts() - duration, startedAt, last.ts(), ids.size(), succeeded, failed, plan, result, last.reason(),
        cost, agentCosts, last.seq()));
  }

  /** The Mission Overseer's planning step ({@code MissionMachine.PLANNING_STEP}). */
  static final String PLANNING_STEP = "_plan";
}
