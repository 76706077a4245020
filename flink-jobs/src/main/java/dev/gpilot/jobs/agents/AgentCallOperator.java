package dev.gpilot.jobs.agents;

import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import java.util.concurrent.RejectedExecutionException;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.streaming.api.datastream.AsyncDataStream.OutputMode;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperator;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.apache.flink.streaming.util.retryable.AsyncRetryStrategies;
import org.apache.flink.util.OutputTag;

/**
 * The agent executor's operator: Flink's async I/O operator (unordered, bounded capacity, a
 * timeout, its in-flight attempts in every checkpoint and called again after a restore) running an
 * {@link AgentExecutor}, which also emits the text of streaming model calls as {@link StepDelta}s
 * on the side output {@link #DELTAS}, so that they leave the job through a sink of its own like any
 * other output.
 *
 * <p>An async function can only complete its future once, with the attempt's result; the text
 * arrives on the model stream's thread before that. Each delta is handed to the task's mailbox and
 * emitted on the task's thread, as the operator emits results; a stream's deltas are queued before
 * its result, so they leave the operator before it.
 */
public final class AgentCallOperator extends AsyncWaitOperator<StepRequest, StepResult> {
  private static final long serialVersionUID = 1L;

  /** The text of streaming calls, as it arrives (best effort, SPEC.md section 2). */
  public static final OutputTag<StepDelta> DELTAS =
      new OutputTag<>("step-deltas", JsonTypeInfo.immutable(StepDelta.class));

  private final transient MailboxExecutor mailbox;

  private AgentCallOperator(
      StreamOperatorParameters<StepResult> parameters,
      AgentExecutor executor,
      long timeoutMs,
      int capacity,
      ProcessingTimeService processingTime,
      MailboxExecutor mailbox) {
    super(
        parameters,
        executor,
        timeoutMs,
        capacity,
        OutputMode.UNORDERED,
        AsyncRetryStrategies.NO_RETRY_STRATEGY,
        processingTime,
        mailbox);
    this.mailbox = mailbox;
  }

  /**
   * The operator for {@code DataStream#transform}: {@code executor} with at most {@code capacity}
   * attempts in flight, each given up after {@code timeoutMs} (the executor answers a failed,
   * retriable result then).
   */
  public static AsyncWaitOperatorFactory<StepRequest, StepResult> factory(
      AgentExecutor executor, long timeoutMs, int capacity) {
    return new Factory(executor, timeoutMs, capacity);
  }

  @Override
  public void open() throws Exception {
    ((AgentExecutor) userFunction).streamDeltasTo(this::emitLater);
    super.open();
  }

  /** On the stream's thread: queues the delta for the task's thread. */
  private void emitLater(StepRequest request, int index, String text) {
    StepDelta delta =
        new StepDelta(
            request.missionId(),
            request.workspaceId(),
            request.stepId(),
            request.attempt(),
            index,
            text,
            System.currentTimeMillis());
    try {
      mailbox.execute(() -> output.collect(DELTAS, new StreamRecord<>(delta)), "step delta");
    } catch (RejectedExecutionException closing) {
      // The task is ending: a delta is best effort, the attempt's result is the one of record.
    }
  }

  /** Makes the operator with the task's mailbox, as Flink's own factory does. */
  private static final class Factory extends AsyncWaitOperatorFactory<StepRequest, StepResult> {
    private static final long serialVersionUID = 1L;
    private final AgentExecutor executor;
    private final long timeoutMs;
    private final int capacity;

    Factory(AgentExecutor executor, long timeoutMs, int capacity) {
      super(executor, timeoutMs, capacity, OutputMode.UNORDERED);
      this.executor = executor;
      this.timeoutMs = timeoutMs;
      this.capacity = capacity;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StreamOperator<StepResult>> T createStreamOperator(
        StreamOperatorParameters<StepResult> parameters) {
      return (T)
          new AgentCallOperator(
              parameters,
              executor,
              timeoutMs,
              capacity,
              processingTimeService,
              getMailboxExecutor());
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
      return AgentCallOperator.class;
    }
  }
}
