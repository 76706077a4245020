package dev.gpilot.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.EventTypes;
import dev.gpilot.contracts.events.MissionAccepted;
import dev.gpilot.contracts.events.MissionBudgetExceeded;
import dev.gpilot.contracts.events.MissionBudgetReached;
import dev.gpilot.contracts.events.MissionCancelled;
import dev.gpilot.contracts.events.MissionCompleted;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.MissionFailed;
import dev.gpilot.contracts.events.MissionResumed;
import dev.gpilot.contracts.events.MissionTimedOut;
import dev.gpilot.contracts.events.PlanReady;
import dev.gpilot.contracts.events.StepCancelled;
import dev.gpilot.contracts.events.StepCompleted;
import dev.gpilot.contracts.events.StepFailed;
import dev.gpilot.contracts.events.StepReady;
import dev.gpilot.contracts.events.StepRetrying;
import dev.gpilot.contracts.events.StepSkipped;
import dev.gpilot.contracts.events.StepStarted;
import dev.gpilot.contracts.events.StepTextDelta;
import dev.gpilot.contracts.events.UnknownMissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.Plan;

/**
 * Mission events for tests, made by type name with only the fields a test cares about: {@code
 * of(type, ...) .step(...).status(...).build()} makes that type's record, leaving out fields the
 * type does not carry; a type no record has becomes an {@link UnknownMissionEvent} with the fields
 * set. Production code makes the records directly.
 */
public final class TestEvents {
  private TestEvents() {}

  public static Builder of(String type, String missionId, String workspaceId, long seq, long ts) {
    return new Builder(type, missionId, workspaceId, seq, ts);
  }

  /** One event; each setter sets what the field of that name holds on the wire. */
  public static final class Builder {
    private final String type;
    private final String m;
    private final String w;
    private final long seq;
    private final long ts;
    private String status;
    private String mission;
    private MissionConfig config;
    private Plan plan;
    private String stepId;
    private String agent;
    private Integer attempt;
    private JsonNode output;
    private String reason;
    private Long durationMs;
    private String model;
    private Usage usage;
    private Long costMicros;
    private String text;
    private Long retryInMs;
    private String rerunOf;
    private String rerunModel;
    private String rerunFromStep;
    private Boolean reused;
    private String budgetId;

    private Builder(String type, String missionId, String workspaceId, long seq, long ts) {
      this.type = type;
      this.m = missionId;
      this.w = workspaceId;
      this.seq = seq;
      this.ts = ts;
    }

    public Builder status(String status) {
      this.status = status;
      return this;
    }

    public Builder mission(String mission, MissionConfig config) {
      this.mission = mission;
      this.config = config;
      return this;
    }

    public Builder plan(Plan plan) {
      this.plan = plan;
      return this;
    }

    public Builder step(String stepId, String agent, int attempt) {
      this.stepId = stepId;
      this.agent = agent;
      this.attempt = attempt;
      return this;
    }

    public Builder output(JsonNode output) {
      this.output = output;
      return this;
    }

    public Builder reason(String reason) {
      this.reason = reason;
      return this;
    }

    public Builder durationMs(long durationMs) {
      this.durationMs = durationMs;
      return this;
    }

    public Builder cost(String model, Usage usage, long costMicros) {
      this.model = model;
      this.usage = usage;
      this.costMicros = costMicros;
      return this;
    }

    public Builder text(String text) {
      this.text = text;
      return this;
    }

    public Builder retryInMs(long retryInMs) {
      this.retryInMs = retryInMs;
      return this;
    }

    public Builder rerunOf(String rerunOf) {
      this.rerunOf = rerunOf;
      return this;
    }

    /** What a fork was asked for: the original, the model, the step it runs again from. */
    public Builder rerun(String of, String model, String fromStep) {
      this.rerunOf = of;
      this.rerunModel = model;
      this.rerunFromStep = fromStep;
      return this;
    }

    public Builder reused() {
      this.reused = Boolean.TRUE;
      return this;
    }

    public Builder budgetId(String budgetId) {
      this.budgetId = budgetId;
      return this;
    }

    public MissionEvent build() {
      return switch (type) {
        case EventTypes.MISSION_ACCEPTED ->
            new MissionAccepted(
                m, w, seq, ts, status, mission, config, rerunOf, rerunModel, rerunFromStep);
        case EventTypes.PLAN_READY -> new PlanReady(m, w, seq, ts, status, plan);
        case EventTypes.STEP_READY -> new StepReady(m, w, seq, ts, status, stepId, agent, attempt);
        case EventTypes.STEP_STARTED ->
            new StepStarted(m, w, seq, ts, status, stepId, agent, attempt);
        case EventTypes.STEP_RETRYING ->
            new StepRetrying(
                m,
                w,
                seq,
                ts,
                status,
                stepId,
                agent,
                attempt,
                reason,
                model,
                usage,
                costMicros,
                retryInMs);
        case EventTypes.STEP_SKIPPED ->
            new StepSkipped(m, w, seq, ts, status, stepId, agent, attempt, reason);
        case EventTypes.STEP_CANCELLED ->
            new StepCancelled(m, w, seq, ts, status, stepId, agent, attempt, reason);
        case EventTypes.STEP_COMPLETED ->
            new StepCompleted(
                m,
                w,
                seq,
                ts,
                status,
                stepId,
                agent,
                attempt,
                output,
                durationMs,
                model,
                usage,
                costMicros,
                reused);
        case EventTypes.STEP_FAILED ->
            new StepFailed(
                m,
                w,
                seq,
                ts,
                status,
                stepId,
                agent,
                attempt,
                reason,
                durationMs,
                model,
                usage,
                costMicros);
        case EventTypes.STEP_DELTA ->
            new StepTextDelta(m, w, seq, ts, stepId, agent, attempt, text);
        case EventTypes.MISSION_COMPLETED ->
            new MissionCompleted(m, w, seq, ts, status, reason, durationMs, costMicros);
        case EventTypes.MISSION_FAILED ->
            new MissionFailed(m, w, seq, ts, status, reason, durationMs, costMicros);
        case EventTypes.MISSION_CANCELLED ->
            new MissionCancelled(m, w, seq, ts, status, reason, durationMs, costMicros);
        case EventTypes.MISSION_TIMED_OUT ->
            new MissionTimedOut(m, w, seq, ts, status, reason, durationMs, costMicros);
        case EventTypes.MISSION_BUDGET_EXCEEDED ->
            new MissionBudgetExceeded(m, w, seq, ts, status, reason, durationMs, costMicros);
        case EventTypes.MISSION_BUDGET_REACHED ->
            new MissionBudgetReached(
                m, w, seq, ts, status, stepId, agent, attempt, reason, budgetId);
        case EventTypes.MISSION_RESUMED -> new MissionResumed(m, w, seq, ts, status, budgetId);
        default -> unknown();
      };
    }

    /** A type no record has: the fields set, as a newer writer's event would carry them. */
    private MissionEvent unknown() {
      ObjectNode fields = Json.mapper().createObjectNode();
      putIfSet(fields, "status", status);
      putIfSet(fields, "stepId", stepId);
      putIfSet(fields, "agent", agent);
      putIfSet(fields, "reason", reason);
      putIfSet(fields, "text", text);
      if (attempt != null) {
        fields.put("attempt", attempt);
      }
      if (output != null) {
        fields.set("output", output);
      }
      return new UnknownMissionEvent(type, m, w, seq, ts, fields);
    }

    private static void putIfSet(ObjectNode fields, String name, String value) {
      if (value != null) {
        fields.put(name, value);
      }
    }
  }
}
