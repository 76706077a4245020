package dev.gpilot.jobs.agents;

import dev.gpilot.contracts.step.StepResult;
import java.util.Collections;
import java.util.concurrent.CompletionException;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
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
  private transient Agent agent;

  /** @param agentFactory makes the agent in {@code open()}: agents hold clients and threads, not serializable */
  public AgentExecutor(SerializableSupplier<Agent> agentFactory) {
    this.agentFactory = agentFactory;
  }

  @Override
  public void open(OpenContext openContext) {
    agent = agentFactory.get();
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
    long startedAt = System.currentTimeMillis();
    agent
        .run(request)
        .whenComplete(
            (output, error) -> {
              long finishedAt = System.currentTimeMillis();
              StepResult result =
                  error == null
                      ? StepResult.succeeded(request.missionId(), request.workspaceId(), request.stepId(),
                          request.attempt(), request.agent(), output, startedAt, finishedAt)
                      : StepResult.failed(request.missionId(), request.workspaceId(), request.stepId(),
                          request.attempt(), request.agent(), describe(error), startedAt, finishedAt);
              resultFuture.complete(Collections.singleton(result));
            });
  }

  @Override
  public void timeout(StepRequest request, ResultFuture<StepResult> resultFuture) {
    long now = System.currentTimeMillis();
    resultFuture.complete(
        Collections.singleton(
            StepResult.failed(request.missionId(), request.workspaceId(), request.stepId(), request.attempt(),
                request.agent(), "timed out", request.requestedAt(), now)));
  }

  private static String describe(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
