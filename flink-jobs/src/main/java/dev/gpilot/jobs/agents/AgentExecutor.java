package dev.gpilot.jobs.agents;

import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import java.io.Serializable;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.async.AsyncRetryStrategy;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.streaming.util.retryable.AsyncRetryStrategies;
import org.apache.flink.util.function.SerializableSupplier;

/**
 * Runs step attempts through an {@link Agent}, asynchronously: the task thread only starts calls, results arrive on
 * the agent's threads. Every call ends in an {@link AgentOutcome}, success or failure; nothing here fails the job.
 *
 * <p>Run it with {@link #retryStrategy}: a call that failed in a retriable way (rate limit, server error, timeout)
 * is called again by Flink's async retry, with exponential backoff, inside the same step attempt and within the
 * operator's timeout. What leaves the operator is the last call's {@link StepResult}, with the model, usage and cost
 * of that call.
 */
public class AgentExecutor extends RichAsyncFunction<StepRequest, AgentOutcome>
    implements ResultTypeQueryable<AgentOutcome> {
  private static final long serialVersionUID = 1L;

  private final SerializableSupplier<Agent> agentFactory;
  private final String bootstrapServers;
  private final String groupId;
  private transient Agent agent;
  private transient Map<String, StepResult> finishedBeforeRestore;
  private transient Counter skipped;

  /**
   * @param agentFactory makes the agent in {@code open()}: agents hold clients and threads, not serializable
   * @param bootstrapServers, groupId where the job's step results and committed offsets are, to skip attempts
   *     that finished after the last checkpoint when the task restarts
   */
  public AgentExecutor(SerializableSupplier<Agent> agentFactory, String bootstrapServers, String groupId) {
    this.agentFactory = agentFactory;
    this.bootstrapServers = bootstrapServers;
    this.groupId = groupId;
  }

  /** An executor outside the job's loop (tests, benchmarks): nothing to skip after a restart. */
  public AgentExecutor(SerializableSupplier<Agent> agentFactory) {
    this(agentFactory, null, null);
  }

  /**
   * Flink's retry of retriable failures: up to {@code retries} more calls, waiting {@code initialDelayMs}, then
   * twice as long each time, at most {@code maxDelayMs}.
   */
  @SuppressWarnings("unchecked") // Flink's NO_RETRY_STRATEGY is a raw constant for every output type
  public static AsyncRetryStrategy<AgentOutcome> retryStrategy(int retries, long initialDelayMs, long maxDelayMs) {
    if (retries < 1) {
      return (AsyncRetryStrategy<AgentOutcome>) AsyncRetryStrategies.NO_RETRY_STRATEGY;
    }
    return new AsyncRetryStrategies.ExponentialBackoffDelayRetryStrategyBuilder<AgentOutcome>(
            retries, initialDelayMs, maxDelayMs, 2.0)
        .ifResult(RETRIABLE)
        .build();
  }

  /** Retry when the call failed in a way another call may fix. */
  private static final Predicate<Collection<AgentOutcome>> RETRIABLE =
      (Predicate<Collection<AgentOutcome>> & Serializable)
          outcomes -> outcomes.stream().anyMatch(AgentOutcome::retriable);

  @Override
  public void open(OpenContext openContext) {
    agent = agentFactory.get();
    skipped = getRuntimeContext().getMetricGroup().counter("finishedAttemptsSkipped");
    // Only a restarted task can be handed requests that already finished; asyncInvoke runs on the task thread.
    finishedBeforeRestore = new HashMap<>();
    if (bootstrapServers != null && getRuntimeContext().getTaskInfo().getAttemptNumber() > 0) {
      finishedBeforeRestore.putAll(CompletedAttempts.since(bootstrapServers, groupId));
    }
  }

  @Override
  public void close() throws Exception {
    if (agent != null) {
      agent.close();
    }
  }

  @Override
  public TypeInformation<AgentOutcome> getProducedType() {
    return JsonTypeInfo.of(AgentOutcome.class);
  }

  @Override
  public void asyncInvoke(StepRequest request, ResultFuture<AgentOutcome> resultFuture) {
    StepResult finished = finishedBeforeRestore.isEmpty() ? null : finishedBeforeRestore.remove(request.attemptId());
    if (finished != null) {
      // Re-sent after the restore, but it already ran and its result is in the topic: do not pay for it twice,
      // deliver that result again. The scheduler may have dropped the topic's copy as stale while it waited to
      // re-dispatch this attempt (a retry back-off restored from the checkpoint); a second copy is dropped as a
      // duplicate (stable id).
      skipped.inc();
      resultFuture.complete(Collections.singleton(new AgentOutcome(finished, false)));
      return;
    }
    long startedAt = System.currentTimeMillis();
    CompletableFuture<AgentReply> call;
    try {
      call = agent.call(request);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    call.whenComplete((reply, error) -> resultFuture.complete(Collections.singleton(
        outcome(request, reply, error, startedAt, System.currentTimeMillis()))));
  }

  static AgentOutcome outcome(StepRequest request, AgentReply reply, Throwable error, long startedAt,
      long finishedAt) {
    if (error == null) {
      ModelCharge charge = reply.charge();
      return new AgentOutcome(new StepResult(request.missionId(), request.workspaceId(), request.stepId(),
          request.attempt(), request.agent(), true, reply.output(), null, startedAt, finishedAt,
          charge == null ? null : charge.model(), charge == null ? null : charge.usage(),
          charge == null ? 0 : charge.costMicros(), charge == null ? null : charge.priceVersion(), false), false);
    }
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    AgentException failure = cause instanceof AgentException a ? a : null;
    ModelCharge charge = failure == null ? null : failure.charge();
    String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    boolean retriable = failure != null && failure.retriable();
    return new AgentOutcome(new StepResult(request.missionId(), request.workspaceId(), request.stepId(),
        request.attempt(), request.agent(), false, null, message, startedAt, finishedAt,
        charge == null ? null : charge.model(), charge == null ? null : charge.usage(),
        charge == null ? 0 : charge.costMicros(), charge == null ? null : charge.priceVersion(), retriable),
        retriable);
  }

  @Override
  public void timeout(StepRequest request, ResultFuture<AgentOutcome> resultFuture) {
    long now = System.currentTimeMillis();
    resultFuture.complete(Collections.singleton(new AgentOutcome(
        StepResult.failed(request.missionId(), request.workspaceId(), request.stepId(), request.attempt(),
            request.agent(), "timed out", request.requestedAt(), now, true), false)));
  }
}
