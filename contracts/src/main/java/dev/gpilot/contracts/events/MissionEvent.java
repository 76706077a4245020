package dev.gpilot.contracts.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.gpilot.contracts.json.Envelope;

/**
 * Something that happened to a mission: the record on {@code gpilot.mission-events.v1}, keyed by
 * missionId. One record per {@code type} (SPEC.md section 3 lists them), each with exactly the
 * fields its type carries; a type this reader does not know reads as {@link UnknownMissionEvent}.
 *
 * <p>Delivery is at-least-once; {@code seq} numbers a mission's events 1, 2, 3, ... with no gap, so
 * a consumer that keeps the first event per (missionId, seq) sees each exactly once and in order.
 *
 * <p>The JSON is the one the single record with nullable fields wrote before (MissionEventWireTest
 * holds it): the property order below is that record's component order, absent fields are left out,
 * and every event ends with {@code final}.
 */
@JsonTypeInfo(
    use = JsonTypeInfo.Id.NAME,
    include = JsonTypeInfo.As.EXISTING_PROPERTY,
    property = "type",
    visible = true,
    defaultImpl = UnknownMissionEvent.class)
@JsonSubTypes({
  @JsonSubTypes.Type(value = MissionAccepted.class, name = EventTypes.MISSION_ACCEPTED),
  @JsonSubTypes.Type(value = PlanReady.class, name = EventTypes.PLAN_READY),
  @JsonSubTypes.Type(value = StepReady.class, name = EventTypes.STEP_READY),
  @JsonSubTypes.Type(value = StepStarted.class, name = EventTypes.STEP_STARTED),
  @JsonSubTypes.Type(value = StepRetrying.class, name = EventTypes.STEP_RETRYING),
  @JsonSubTypes.Type(value = StepSkipped.class, name = EventTypes.STEP_SKIPPED),
  @JsonSubTypes.Type(value = StepCancelled.class, name = EventTypes.STEP_CANCELLED),
  @JsonSubTypes.Type(value = StepCompleted.class, name = EventTypes.STEP_COMPLETED),
  @JsonSubTypes.Type(value = StepFailed.class, name = EventTypes.STEP_FAILED),
  @JsonSubTypes.Type(value = StepTextDelta.class, name = EventTypes.STEP_DELTA),
  @JsonSubTypes.Type(value = MissionCompleted.class, name = EventTypes.MISSION_COMPLETED),
  @JsonSubTypes.Type(value = MissionFailed.class, name = EventTypes.MISSION_FAILED),
  @JsonSubTypes.Type(value = MissionCancelled.class, name = EventTypes.MISSION_CANCELLED),
  @JsonSubTypes.Type(value = MissionTimedOut.class, name = EventTypes.MISSION_TIMED_OUT),
  @JsonSubTypes.Type(value = MissionBudgetReached.class, name = EventTypes.MISSION_BUDGET_REACHED),
  @JsonSubTypes.Type(value = MissionResumed.class, name = EventTypes.MISSION_RESUMED),
  @JsonSubTypes.Type(value = MissionBudgetExceeded.class, name = EventTypes.MISSION_BUDGET_EXCEEDED)
})
@JsonPropertyOrder({
  "type",
  "version",
  "id",
  "missionId",
  "workspaceId",
  "seq",
  "ts",
  "status",
  "mission",
  "config",
  "plan",
  "stepId",
  "agent",
  "attempt",
  "output",
  "reason",
  "durationMs",
  "model",
  "usage",
  "costMicros",
  "text",
  "retryInMs",
  "rerunOf",
  "rerunModel",
  "rerunFromStep",
  "reused",
  "budgetId",
  "final"
})
public sealed interface MissionEvent extends Envelope
    permits MissionAccepted,
        PlanReady,
        StepEvent,
        MissionEnded,
        MissionResumed,
        UnknownMissionEvent {

  String missionId();

  String workspaceId();

  /** 1, 2, 3, ... per mission, without gaps. */
  long seq();

  /** When it happened, epoch milliseconds. */
  long ts();

  /** Stable id of this event: {@code missionId:seq}. A re-sent event has the same id. */
  @Override
  default String id() {
    return missionId() + ":" + seq();
  }

  /**
   * Whether this is the mission's last event ({@link MissionEnded}). On the wire as {@code final}
   * since the first version; readers need not read it.
   */
  @JsonProperty("final")
  default boolean isFinal() {
    return false;
  }
}
