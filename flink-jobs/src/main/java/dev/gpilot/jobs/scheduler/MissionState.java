package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.mission.StepStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything the scheduler knows of one mission: kept in Flink keyed state (key = missionId), so it survives a
 * restore and is the only place that decides what runs next. Mutable; never shared outside the scheduler.
 */
public final class MissionState {
  public String missionId;
  public String workspaceId;
  public String mission;
  public MissionConfig config;
  public MissionStatus status;
  public long submittedAt;
  public long startedAt;
  public long finishedAt;
  /** When the mission times out (epoch ms); 0 = no deadline. */
  public long deadlineAt;
  /** The seq of the last event emitted; the next event gets lastSeq + 1. */
  public long lastSeq;
  public Plan plan;
  /** Step ids in a topological order: the order steps become ready and, sequentially, run. */
  public List<String> order = new ArrayList<>();
  /** Steps by id, in plan order. */
  public LinkedHashMap<String, StepState> steps = new LinkedHashMap<>();
  public String reason;
  /** While the Mission Overseer plans: its step (id {@link MissionScheduler#PLANNING_STEP}). */
  public PlanStep planningStep;

  /** For Jackson. */
  public MissionState() {}

  static MissionState accept(MissionSubmitted submitted, long now) {
    MissionState state = new MissionState();
    state.missionId = submitted.missionId();
    state.workspaceId = submitted.workspaceId();
    state.mission = submitted.mission();
    state.config = submitted.config();
    state.status = MissionStatus.PLANNING;
    state.submittedAt = submitted.ts();
    if (submitted.config().deadlineSeconds() != null) {
      state.deadlineAt = now + submitted.config().deadlineSeconds() * 1000L;
    }
    return state;
  }

  /** Puts the planning step in place: the overseer runs as a step of its own, retried and timed like any other. */
  void startPlanning(PlanStep step, int maxAttempts, long timeoutMs) {
    this.planningStep = step;
    this.order = new ArrayList<>(List.of(step.id()));
    steps.put(step.id(), new StepState(step.id(), step.agent(), maxAttempts, timeoutMs));
  }

  void adopt(Plan plan, List<String> topologicalOrder, int defaultMaxAttempts, long defaultTimeoutMs, long now) {
    this.plan = plan;
    this.order = new ArrayList<>(topologicalOrder);
    this.status = MissionStatus.RUNNING;
    this.startedAt = now;
    for (PlanStep step : plan.steps()) {
      int attempts = step.maxAttempts() == null ? defaultMaxAttempts : step.maxAttempts();
      long timeout = step.timeoutSeconds() == null ? defaultTimeoutMs : step.timeoutSeconds() * 1000L;
      steps.put(step.id(), new StepState(step.id(), step.agent(), attempts, timeout));
    }
  }

  long nextSeq() {
    return ++lastSeq;
  }

  PlanStep planStep(String id) {
    if (planningStep != null && planningStep.id().equals(id)) {
      return planningStep;
    }
    for (PlanStep step : plan.steps()) {
      if (step.id().equals(id)) {
        return step;
      }
    }
    throw new IllegalStateException("no step " + id + " in the plan of " + missionId);
  }

  @JsonIgnore
  boolean allStepsFinished() {
    return steps.values().stream().allMatch(s -> s.status.isTerminal());
  }

  @JsonIgnore
  boolean anyRunning() {
    return steps.values().stream().anyMatch(s -> s.status == StepStatus.RUNNING);
  }

  MissionSummary summary() {
    int succeeded = 0;
    int failed = 0;
    long cost = 0;
    Map<String, Long> agentCosts = new TreeMap<>();
    for (StepState s : steps.values()) {
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
    return new MissionSummary(workspaceId, missionId, status, mission, submittedAt, startedAt, finishedAt,
        steps.size(), succeeded, failed, plan, result(), reason, cost, agentCosts, lastSeq);
  }

  /** The mission's result: the outputs of its final steps (those nothing depends on), by step id. */
  private JsonNode result() {
    if (status != MissionStatus.COMPLETED || plan == null) {
      return null;
    }
    ObjectNode result = Json.mapper().createObjectNode();
    Set<String> dependedOn = new HashSet<>();
    plan.steps().forEach(s -> dependedOn.addAll(s.dependsOn()));
    for (Map.Entry<String, StepState> e : steps.entrySet()) {
      if (!dependedOn.contains(e.getKey()) && e.getValue().output != null) {
        result.set(e.getKey(), e.getValue().output);
      }
    }
    return result;
  }
}
