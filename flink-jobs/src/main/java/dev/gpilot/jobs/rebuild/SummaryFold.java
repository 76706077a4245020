package dev.gpilot.jobs.rebuild;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.events.BilledAttempt;
import dev.gpilot.contracts.events.MissionAccepted;
import dev.gpilot.contracts.events.MissionBudgetReached;
import dev.gpilot.contracts.events.MissionEnded;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.PlanReady;
import dev.gpilot.contracts.events.StepCompleted;
import dev.gpilot.contracts.events.StepTransition;
import dev.gpilot.contracts.events.UnknownMissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.mission.Plan;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A mission's summary (its row of the {@code missions} table) folded from its events alone, for a
 * rebuild from the topics: the summary the scheduler wrote last. The scheduler writes one when the
 * plan is adopted (status {@code RUNNING}, the events up to {@code plan.ready} and the fork's
 * reused steps that complete with it) and one when the mission ends; a mission that has not ended
 * yet (running, paused at a budget, its steps waiting) keeps the first. The same numbers as the
 * scheduler's {@code summary()}: steps are the planning step (if the overseer planned) then the
 * plan's; a step's cost adds up the costs its attempt events carry; {@code submittedAt} is the
 * final event's time less its {@code durationMs}, or, before the end, the submission's time (no
 * event carries it); the version is the seq of the last event written before the summary.
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
   * The summary of a finished mission ({@link #fold(List, Long)} without the submission's time).
   *
   * @param events every event of one mission, in any order, possibly with copies of a seq (the
   *     latest copy counts)
   * @return its summary, empty when the mission has not finished (no final event)
   */
  public static Optional<MissionSummary> fold(List<MissionEvent> events) {
    return fold(events, null);
  }

  /**
   * @param events every event of one mission, in any order, possibly with duplicates
   * @param submittedAt the submission's time ({@code MissionSubmitted.ts}, what the scheduler
   *     keeps), needed for a mission that has not finished; null when unknown
   * @return the summary the scheduler wrote last: at the end for a finished mission, else the one
   *     written when its plan was adopted; empty when it wrote none yet (no plan yet), or the
   *     mission has not finished and {@code submittedAt} is null
   */
  public static Optional<MissionSummary> fold(List<MissionEvent> events, Long submittedAt) {
    Map<Long, MissionEvent> bySeq = new TreeMap<>();
    events.forEach(e -> bySeq.merge(e.seq(), e, SummaryFold::later));
    List<MissionEvent> ordered = new ArrayList<>(bySeq.values());
    if (ordered.isEmpty()) {
      return Optional.empty();
    }
    if (ordered.get(ordered.size() - 1) instanceof MissionEnded last) {
      long duration = last.durationMs() == null ? 0 : last.durationMs();
      return Optional.of(
          summary(ordered, last.finalStatus(), last.ts() - duration, last.ts(), last.reason()));
    }
    int adopted = 0;
    while (adopted < ordered.size() && !(ordered.get(adopted) instanceof PlanReady)) {
      adopted++;
    }
    if (adopted == ordered.size() || submittedAt == null) {
      return Optional.empty();
    }
    // The reused steps of a fork complete in the same input, before the summary is written.
    while (adopted + 1 < ordered.size() && isReuse(ordered.get(adopted + 1))) {
      adopted++;
    }
    return Optional.of(
        summary(ordered.subList(0, adopted + 1), MissionStatus.RUNNING, submittedAt, 0, null));
  }

  /**
   * Of two copies of one seq, the one the live tables keep. The topic is at-least-once: a job
   * restored from a checkpoint writes the events after it again, with the times of the run it goes
   * on with (a step that had finished reuses its recorded result), and that run is what the
   * scheduler's summary and {@code mission_events} (the last row written per seq) hold. Mixing the
   * two runs' copies put one run's start beside the other's end.
   */
  private static MissionEvent later(MissionEvent a, MissionEvent b) {
    return b.ts() > a.ts() ? b : a;
  }

  private static boolean isReuse(MissionEvent e) {
    return e instanceof StepCompleted completed && Boolean.TRUE.equals(completed.reused());
  }

  /**
   * The summary of the events {@code ordered} (by seq, no duplicates), the last of them its
   * version.
   */
  private static MissionSummary summary(
      List<MissionEvent> ordered,
      MissionStatus status,
      long submittedAt,
      long finishedAt,
      String reason) {
    MissionEvent last = ordered.get(ordered.size() - 1);
    String mission = null;
    Plan plan = null;
    long startedAt = 0;
    Map<String, Step> steps = new LinkedHashMap<>();
    for (MissionEvent e : ordered) {
      if (e instanceof MissionAccepted accepted) {
        mission = accepted.mission();
      } else if (e instanceof PlanReady ready) {
        plan = ready.plan();
        startedAt = ready.ts();
      } else if (e instanceof StepTransition t && t.stepId() != null) {
        Step s = step(steps, t.stepId(), t.agent(), t.status());
        if (t instanceof BilledAttempt billed && billed.costMicros() != null) {
          s.costMicros += billed.costMicros();
        }
        if (t instanceof StepCompleted completed) {
          s.output = completed.output();
        }
      } else if (e instanceof MissionBudgetReached reached && reached.stepId() != null) {
        step(steps, reached.stepId(), reached.agent(), reached.status());
      } else if (e instanceof UnknownMissionEvent unknown && unknown.string("stepId") != null) {
        // A newer writer's step event: its status counts as a known one's would.
        step(steps, unknown.string("stepId"), unknown.string("agent"), unknown.string("status"));
      }
      // step.delta (model text) and the mission's other events are no part of a step's summary.
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
    return new MissionSummary(
        last.workspaceId(),
        last.missionId(),
        status,
        mission,
        submittedAt,
        startedAt,
        finishedAt,
        ids.size(),
        succeeded,
        failed,
        plan,
        result,
        reason,
        cost,
        agentCosts,
        last.seq());
  }

  /** A step as of an event of it: its agent and status when the event names them. */
  private static Step step(Map<String, Step> steps, String stepId, String agent, String status) {
    Step s = steps.computeIfAbsent(stepId, id -> new Step());
    s.agent = agent != null ? agent : s.agent;
    if (status != null) {
      s.status = status;
    }
    return s;
  }

  /** The Mission Overseer's planning step ({@code MissionMachine.PLANNING_STEP}). */
  static final String PLANNING_STEP = "_plan";
}
