package dev.gpilot.contracts.step;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Envelope;
import java.util.Objects;

/**
 * The outcome of one step attempt: the record on {@code gpilot.step-results.v1}, keyed by
 * missionId. The job's internal feedback loop, at-least-once; the scheduler ignores a second result
 * for the same (stepId, attempt).
 *
 * @param succeeded whether the attempt produced an output
 * @param output the step's output (for a failed attempt: null)
 * @param error why the attempt failed (for a successful one: null)
 * @param startedAt epoch milliseconds
 * @param finishedAt epoch milliseconds
 * @param model the model that ran the attempt, null when no model was called
 * @param usage the tokens the attempt used (also for failed attempts that reached the model), may
 *     be null
 * @param costMicros what the attempt cost, in micro-credits
 * @param priceVersion the version of the price table entry the cost was computed with, may be null
 * @param retriable for a failed attempt: whether another attempt may succeed (rate limits, 5xx,
 *     timeouts)
 * @param retryAfterMs for a retriable failure: how long the provider asked to wait before calling
 *     again (its Retry-After), counted from {@code finishedAt}; null when it did not say
 */
@JsonPropertyOrder({"type", "version", "id", "missionId", "workspaceId"})
public record StepResult(
    String missionId,
    String workspaceId,
    String stepId,
    int attempt,
    String agent,
    boolean succeeded,
    JsonNode output,
    String error,
    long startedAt,
    long finishedAt,
    String model,
    Usage usage,
    long costMicros,
    String priceVersion,
    boolean retriable,
    Long retryAfterMs)
    implements Envelope {

  public static final String TYPE = "step.result";

  public StepResult {
    Objects.requireNonNull(missionId, "missionId is required");
    Objects.requireNonNull(workspaceId, "workspaceId is required");
    Objects.requireNonNull(stepId, "stepId is required");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt starts at 1, got " + attempt);
    }
    if (costMicros < 0) {
      throw new IllegalArgumentException("costMicros cannot be negative");
    }
    if (retryAfterMs != null && (retryAfterMs < 0 || !retriable)) {
      throw new IllegalArgumentException(
          "retryAfterMs is for retriable failures, and not negative");
    }
  }

  /** A result without a Retry-After. */
  public StepResult(
      String missionId,
      String workspaceId,
      String stepId,
      int attempt,
      String agent,
      boolean succeeded,
      JsonNode output,
      String error,
      long startedAt,
      long finishedAt,
      String model,
      Usage usage,
      long costMicros,
      String priceVersion,
      boolean retriable) {
    this(
        missionId,
        workspaceId,
        stepId,
        attempt,
        agent,
        succeeded,
        output,
        error,
        startedAt,
        finishedAt,
        model,
        usage,
        costMicros,
        priceVersion,
        retriable,
        null);
  }

  /** An attempt that called no model (no usage, no cost). */
  public static StepResult succeeded(
      String missionId,
      String workspaceId,
      String stepId,
      int attempt,
      String agent,
      JsonNode output,
      long startedAt,
      long finishedAt) {
    return new StepResult(
        missionId,
        workspaceId,
        stepId,
        attempt,
        agent,
        true,
        output,
        null,
        startedAt,
        finishedAt,
        null,
        null,
        0,
        null,
        false);
  }

  /**
   * A failed attempt that called no model (no usage, no cost) and that another attempt would not
   * fix.
   */
  public static StepResult failed(
      String missionId,
      String workspaceId,
      String stepId,
      int attempt,
      String agent,
      String error,
      long startedAt,
      long finishedAt) {
    return failed(
        missionId, workspaceId, stepId, attempt, agent, error, startedAt, finishedAt, false);
  }

  /** A failed attempt that called no model (no usage, no cost). */
  public static StepResult failed(
      String missionId,
      String workspaceId,
      String stepId,
      int attempt,
      String agent,
      String error,
      long startedAt,
      long finishedAt,
      boolean retriable) {
    return new StepResult(
        missionId,
        workspaceId,
        stepId,
        attempt,
        agent,
        false,
        null,
        error,
        startedAt,
        finishedAt,
        null,
        null,
        0,
        null,
        retriable);
  }

  /** This result without its output and error; everything else as it was. */
  public StepResult withoutOutput() {
    return copy(null, null, costMicros, priceVersion);
  }

  /** This result with {@code costMicros} under {@code priceVersion}; everything else as it was. */
  public StepResult withCost(long costMicros, String priceVersion) {
    return copy(output, error, costMicros, priceVersion);
  }

  private StepResult copy(JsonNode output, String error, long costMicros, String priceVersion) {
    return new StepResult(
        missionId,
        workspaceId,
        stepId,
        attempt,
        agent,
        succeeded,
        output,
        error,
        startedAt,
        finishedAt,
        model,
        usage,
        costMicros,
        priceVersion,
        retriable,
        retryAfterMs);
  }

  @Override
  public String type() {
    return TYPE;
  }

  /** Stable id of the attempt: {@code missionId/stepId/attempt}. */
  @Override
  public String id() {
    return attemptId(missionId, stepId, attempt);
  }

  /**
   * The id of a step attempt, {@code missionId/stepId/attempt}: the id of its result and of its
   * cost record.
   */
  public static String attemptId(String missionId, String stepId, int attempt) {
    return missionId + "/" + stepId + "/" + attempt;
  }
}
