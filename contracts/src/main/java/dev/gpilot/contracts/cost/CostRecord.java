package dev.gpilot.contracts.cost;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.gpilot.contracts.json.Envelope;
import dev.gpilot.contracts.step.StepResult;
import java.util.Objects;

/**
 * What one finished step attempt used and cost: the record on {@code gpilot.cost-records.v1} (key:
 * workspaceId), for billing integrations, and a row of ClickHouse's {@code cost_records}. Every
 * finished attempt has one, success or failure (a failure that never reached a model has zero usage
 * and cost).
 *
 * <p>Delivery is at-least-once: consumers keep one record per {@link #id()}, which is stable across
 * re-sends and restores ({@code missionId/stepId/attempt}).
 *
 * @param model the model that ran the attempt, null when no model was called
 * @param usage the attempt's tokens, never null ({@link Usage#ZERO} when no model was called)
 * @param costMicros what the attempt cost, in micro-credits (1 credit = 1,000,000)
 * @param priceVersion the price table entry the cost was computed with, null when no model was
 *     called
 * @param startedAt epoch milliseconds, from 0 to {@link #MAX_EPOCH_MS}
 * @param finishedAt epoch milliseconds, from 0 to {@link #MAX_EPOCH_MS}: the record's event time
 *     (its 1-minute window)
 */
@JsonPropertyOrder({"type", "version", "id", "workspaceId", "missionId"})
public record CostRecord(
    String workspaceId,
    String missionId,
    String stepId,
    int attempt,
    String agent,
    String model,
    boolean succeeded,
    Usage usage,
    long costMicros,
    String priceVersion,
    long startedAt,
    long finishedAt)
    implements Envelope {

  public static final String TYPE = "cost.record";

  /**
   * The last millisecond of ClickHouse's {@code DateTime} (unsigned 32-bit seconds:
   * 2106-02-07T06:28:15.999Z).
   */
  public static final long MAX_EPOCH_MS = 0xFFFF_FFFFL * 1000 + 999;

  /** Whether a cost record can hold {@code ms} as a time: 0 to {@link #MAX_EPOCH_MS}. */
  public static boolean isEpochMs(long ms) {
    return ms >= 0 && ms <= MAX_EPOCH_MS;
  }

  public CostRecord {
    Objects.requireNonNull(workspaceId, "workspaceId is required");
    Objects.requireNonNull(missionId, "missionId is required");
    Objects.requireNonNull(stepId, "stepId is required");
    Objects.requireNonNull(agent, "agent is required");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt starts at 1, got " + attempt);
    }
    if (costMicros < 0) {
      throw new IllegalArgumentException("costMicros cannot be negative");
    }
    if (!isEpochMs(startedAt) || !isEpochMs(finishedAt)) {
      throw new IllegalArgumentException(
          "startedAt and finishedAt are epoch milliseconds from 0 to "
              + MAX_EPOCH_MS
              + ", got "
              + startedAt
              + " and "
              + finishedAt);
    }
    usage = usage == null ? Usage.ZERO : usage;
  }

  /** The cost record of a finished attempt. */
  public static CostRecord of(StepResult result) {
    return new CostRecord(
        result.workspaceId(),
        result.missionId(),
        result.stepId(),
        result.attempt(),
        result.agent() == null ? "" : result.agent(),
        result.model(),
        result.succeeded(),
        result.usage(),
        result.costMicros(),
        result.priceVersion(),
        result.startedAt(),
        result.finishedAt());
  }

  @Override
  public String type() {
    return TYPE;
  }

  /**
   * Stable id of the attempt: {@code missionId/stepId/attempt}, the same as its {@link
   * StepResult#id()}.
   */
  @Override
  public String id() {
    return StepResult.attemptId(missionId, stepId, attempt);
  }

  /** How long the attempt ran, in milliseconds (0 when the clock went backwards). */
  @JsonProperty("latencyMs")
  public long latencyMs() {
    return Math.max(0, finishedAt - startedAt);
  }

  /** The model, or "" when no model was called: the form used in keys and ClickHouse columns. */
  @JsonIgnore
  public String modelKey() {
    return model == null ? "" : model;
  }
}
