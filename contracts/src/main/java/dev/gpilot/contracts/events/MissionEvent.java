package dev.gpilot.contracts.events;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Envelope;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.Plan;
import java.util.Objects;

/**
 * Something that happened to a mission: the record on {@code gpilot.mission-events.v1}, keyed by missionId.
 *
 * <p>Delivery is at-least-once; {@code seq} numbers a mission's events 1, 2, 3, ... with no gap, so a consumer
 * that keeps the first event per (missionId, seq) sees each exactly once and in order. Fields that do not apply
 * to a type are absent; SPEC.md lists which type carries which.
 */
@JsonPropertyOrder({"type", "version", "id", "missionId", "workspaceId", "seq", "ts"})
public record MissionEvent(
    String type,
    String missionId,
    String workspaceId,
    long seq,
    long ts,
    String status,
    String mission,
    MissionConfig config,
    Plan plan,
    String stepId,
    String agent,
    Integer attempt,
    JsonNode output,
    String reason,
    Long durationMs,
    String model,
    Usage usage,
    Long costMicros,
    String text,
    Long retryInMs,
    String rerunOf,
    String rerunModel,
    String rerunFromStep,
    Boolean reused,
    String budgetId) implements Envelope {

  public MissionEvent {
    Objects.requireNonNull(type, "type is required");
    Objects.requireNonNull(missionId, "missionId is required");
    Objects.requireNonNull(workspaceId, "workspaceId is required");
    if (seq < 1) {
      throw new IllegalArgumentException("seq starts at 1, got " + seq);
    }
  }

  /** Stable id of this event: {@code missionId:seq}. A re-sent event has the same id. */
  @Override
  public String id() {
    return missionId + ":" + seq;
  }

  /** Whether this is the mission's last event. */
  public boolean isFinal() {
    return EventTypes.isFinal(type);
  }

  /** Starts an event of a mission; the builder fills the type-specific fields. */
  public static Builder of(String type, String missionId, String workspaceId, long seq, long ts) {
    return new Builder(type, missionId, workspaceId, seq, ts);
  }

  /** Builds one event; only the fields its type carries are set. */
  public static final class Builder {
    private final String type;
    private final String missionId;
    private final String workspaceId;
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
    private String budgetId;
    private Boolean reused;

    private Builder(String type, String missionId, String workspaceId, long seq, long ts) {
      this.type = type;
      this.missionId = missionId;
      this.workspaceId = workspaceId;
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

    /** The model call behind a step attempt: model name, tokens and cost in micro-credits. */
    public Builder cost(String model, Usage usage, long costMicros) {
      this.model = model;
      this.usage = usage;
      this.costMicros = costMicros;
      return this;
    }

    /** A piece of model text (for {@code step.delta}). */
    public Builder text(String text) {
      this.text = text;
      return this;
    }

    /** When a failed attempt will be retried: in this many milliseconds (for {@code step.retrying}). */
    public Builder retryInMs(long retryInMs) {
      this.retryInMs = retryInMs;
      return this;
    }

    /** The mission this one is a fork of (for {@code mission.accepted}). */
    public Builder rerunOf(String rerunOf) {
      this.rerunOf = rerunOf;
      return this;
    }

    /**
     * What a fork was asked for (for {@code mission.accepted}): the original, the model its steps run on and the step
     * it runs again from (each null when not given), so the request can be told from what is stored.
     */
    public Builder rerun(String of, String model, String fromStep) {
      this.rerunOf = of;
      this.rerunModel = model;
      this.rerunFromStep = fromStep;
      return this;
    }

    /**
     * Marks a {@code step.completed} whose output was reused from the original of a fork: no model was called and it
     * cost nothing.
     */
    public Builder reused() {
      this.reused = Boolean.TRUE;
      return this;
    }

    /** The budget a {@code mission.budget_reached} waits for. */
    public Builder budgetId(String budgetId) {
      this.budgetId = budgetId;
      return this;
    }

    public MissionEvent build() {
      return new MissionEvent(
          type, missionId, workspaceId, seq, ts, status, mission, config, plan, stepId, agent, attempt, output,
          reason, durationMs, model, usage, costMicros, text, retryInMs, rerunOf, rerunModel, rerunFromStep, reused,
          budgetId);
    }
  }
}
