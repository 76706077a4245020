package dev.gpilot.jobs.agents;

import dev.gpilot.contracts.step.StepResult;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.util.function.SerializableSupplier;

/**
 * Runs step attempts through an {@link Agent}, asynchronously: the task thread only starts calls, results arrive on
 * the agent's threads. Every attempt ends in a {@link StepResult}, success or failure; nothing here fails the job.
 */
public class AgentExecutor extends RichAsyncFunction<StepRequest, StepResult>
    implements ResultTypeQueryable<StepResult> {
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

  @Override
  public void open(OpenContext openContext) {
    agent = agentFactory.get();
    skipped = getRuntimeContext().getMetricGroup().counter("finishedAttemptsSkipped");
    // Only a restarted task can be handed requests that already finished; asyncInvoke runs on the task thread.
    finishedBeforeRestore = new HashMap<>();
    if (getRuntimeContext().getTaskInfo().getAttemptNumber() > 0) {
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
  public TypeInformation<StepResult> getProducedType() {
    return JsonTypeInfo.of(StepResult.class);
  }

  @Override
  public void asyncInvoke(StepRequest request, ResultFuture<StepResult> resultFuture) {
    StepResult finished = finishedBeforeRestore.isEmpty() ? null : finishedBeforeRestore.remove(request.attemptId());
    if (finished != null) {
      // Re-sent after the restore, but it already ran and its result is in the topic: do not pay for it twice,
      // deliver that result again. The scheduler may have dropped the topic's copy as stale while it waited to
      // re-dispatch this attempt (a retry back-off restored from the checkpoint); a second copy is dropped as a
      // duplicate (stable id).
      skipped.inc();
      resultFuture.complete(Collections.singleton(finished));
      return;
    }
    long startedAt = System.currentTimeMillis();
    agent
        .call(request)
        .whenComplete(
            (reply, error) -> resultFuture.complete(
                Collections.singleton(result(request, reply, error, startedAt, System.currentTimeMillis()))));
  }

  /** The attempt's result, with the model, usage and cost the agent reported (also for a failure). */
  static StepResult result(StepRequest request, AgentReply reply, Throwable error, long startedAt, long finishedAt) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    ModelCharge charge = error == null ? reply.charge() : cause instanceof AgentException a ? a.charge() : null;
    return new StepResult(request.missionId(), request.workspaceId(), request.stepId(), request.attempt(),
        request.agent(), error == null, error == null ? reply.output() : null,
        error == null ? null : describe(error), startedAt, finishedAt,
        charge == null ? null : charge.model(), charge == null ? null : charge.usage(),
        charge == null ? 0 : charge.costMicros(), charge == null ? null : charge.priceVersion(),
        error != null && retriable(error));
  }

  @Override
  public void timeout(StepRequest request, ResultFuture<StepResult> resultFuture) {
    long now = System.currentTimeMillis();
    resultFuture.complete(
        Collections.singleton(
            StepResult.failed(request.missionId(), request.workspaceId(), request.stepId(), request.attempt(),
                request.agent(), "timed out", request.requestedAt(), now, true)));
  }

  private static boolean retriable(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return cause instanceof AgentException agentError && agentError.retriable();
  }

  private static String describe(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
