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
 * A whole mission as one JSON value (plan, every step, every output): how the scheduler kept
 * missions in its {@code mission} value state before the state was split. Read only to convert a
 * mission restored from such a checkpoint ({@link MissionScheduler}); never written. The class name
 * and field names are that JSON's and its serializer snapshot's: do not rename them. Mutable.
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
      h.readySteps += s.status == StepStatus.READY ? 1 : 0;
    }
    return h;
  }

  MissionDefinition definition() {
    return new MissionDefinition(mission, config, plan, order, planningStep);
  }

  /** Outputs of the steps that have one, by step id. */
  Map<String, JsonNode> outputs() {
    Map<String, JsonNode> outputs = new LinkedHashMap<>();
    steps.forEach(
        (id, s) -> {
          if (s.output != null) {
            outputs.put(id, s.output);
          }
        });
    return outputs;
  }
}
