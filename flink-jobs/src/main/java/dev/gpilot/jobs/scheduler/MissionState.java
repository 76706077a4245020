package dev.gpilot.jobs.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.mission.StepStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole mission as one JSON value (plan, every step, every output): how the scheduler kept missions in its
 * {@code mission} value state. The field names are that JSON's: do not rename them. Mutable.
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
  public long deadlineAt;
  public long lastSeq;
  public Plan plan;
  public List<String> order = new ArrayList<>();
  public LinkedHashMap<String, Step> steps = new LinkedHashMap<>();
  public String reason;
  public PlanStep planningStep;

  /** A step with its output, as in that JSON. */
  public static final class Step {
    public String id;
    public String agent;
    public StepStatus status = StepStatus.PENDING;
    public int attempt;
    public int maxAttempts;
    public long timeoutMs;
    public long startedAt;
    public long finishedAt;
    public long timeoutAt;
    public long retryAt;
    public JsonNode output;
    public String reason;
    public Usage usage = Usage.ZERO;
    public long costMicros;

    public Step() {}

    StepState toStepState() {
      StepState s = new StepState(id, agent, maxAttempts, timeoutMs);
      s.status = status;
      s.attempt = attempt;
      s.startedAt = startedAt;
      s.finishedAt = finishedAt;
      s.timeoutAt = timeoutAt;
      s.retryAt = retryAt;
      s.reason = reason;
      s.usage = usage == null ? Usage.ZERO : usage;
      s.costMicros = costMicros;
      return s;
    }

    void set(StepState s) {
      id = s.id;
      agent = s.agent;
      status = s.status;
      attempt = s.attempt;
      maxAttempts = s.maxAttempts;
      timeoutMs = s.timeoutMs;
      startedAt = s.startedAt;
      finishedAt = s.finishedAt;
      timeoutAt = s.timeoutAt;
      retryAt = s.retryAt;
      reason = s.reason;
      usage = s.usage;
      costMicros = s.costMicros;
    }
  }

  public MissionState() {}

  MissionHeader header() {
    MissionHeader h = new MissionHeader();
    h.missionId = missionId;
    h.workspaceId = workspaceId;
    h.status = status;
    h.submittedAt = submittedAt;
    h.startedAt = startedAt;
    h.finishedAt = finishedAt;
    h.deadlineAt = deadlineAt;
    h.lastSeq = lastSeq;
    h.reason = reason;
    for (Step s : steps.values()) {
      h.unfinishedSteps += s.status.isTerminal() ? 0 : 1;
      h.runningSteps += s.status == StepStatus.RUNNING ? 1 : 0;
    }
    return h;
  }

  MissionDefinition definition() {
    return new MissionDefinition(mission, config, plan, order, planningStep);
  }

  /** Outputs of the steps that have one, by step id. */
  Map<String, JsonNode> outputs() {
    Map<String, JsonNode> outputs = new LinkedHashMap<>();
    steps.forEach((id, s) -> {
      if (s.output != null) {
        outputs.put(id, s.output);
      }
    });
    return outputs;
  }

  /** This mission as a {@link MissionStore}. */
  MissionStore asStore() {
    return new MissionStore() {
      @Override
      public MissionHeader header() {
        return MissionState.this.header();
      }

      @Override
      public MissionDefinition definition() {
        return MissionState.this.definition();
      }

      @Override
      public StepState step(String stepId) {
        Step s = steps.get(stepId);
        return s == null ? null : s.toStepState();
      }

      @Override
      public JsonNode output(String stepId) {
        Step s = steps.get(stepId);
        return s == null ? null : s.output;
      }
    };
  }

  /** A mission state built from a transition's pieces (the first for a new mission). */
  static MissionState of(Transition t) {
    MissionState state = new MissionState();
    state.apply(t);
    return state;
  }

  /** Applies a transition's changes. */
  void apply(Transition t) {
    if (t.header() != null) {
      MissionHeader h = t.header();
      missionId = h.missionId;
      workspaceId = h.workspaceId;
      status = h.status;
      submittedAt = h.submittedAt;
      startedAt = h.startedAt;
      finishedAt = h.finishedAt;
      deadlineAt = h.deadlineAt;
      lastSeq = h.lastSeq;
      reason = h.reason;
    }
    if (t.definition() != null) {
      MissionDefinition d = t.definition();
      mission = d.mission();
      config = d.config();
      plan = d.plan();
      order = new ArrayList<>(d.order());
      planningStep = d.planningStep();
    }
    t.steps().forEach((id, s) -> steps.computeIfAbsent(id, k -> new Step()).set(s));
    t.outputs().forEach((id, o) -> steps.get(id).output = o);
  }
}
