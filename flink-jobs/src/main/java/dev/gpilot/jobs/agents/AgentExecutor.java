package dev.gpilot.jobs.agents;

import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.util.function.SerializableSupplier;

/**
 * Runs step attempts through an {@link Agent}, asynchronously: the task thread only starts calls,
 * results arrive on the agent's threads. Every attempt ends in a {@link StepResult}, success or
 * failure. An {@link Error} from the agent (thrown, or as its future's failure) is not an attempt's
 * failure: it fails the task, on whichever thread it comes, so the job restores from its
 * checkpoint; no attempt is left waiting for an answer that never comes.
 *
 * <p>A call that failed in a retriable way (rate limit, server error, timeout) is called again
 * within the same step attempt as {@link CallRetries} says: after the provider's Retry-After when
 * it gave one, else after an exponential back-off, both with jitter, never past the attempt's
 * deadline ({@link StepRequest#requestedAt()} + {@link StepRequest#timeoutMs()}). The waits are
 * timers on one thread of this function, not held threads; the attempt stays in flight in the async
 * operator meanwhile (as with Flink's own async retry).
 *
 * <p>Why not Flink's {@code AsyncRetryStrategy}: its back-off is a function of the retry count only
 * and never sees the result, so it cannot wait for the provider's Retry-After. An attempt whose
 * Retry-After does not fit in its time ends with the failure and the delay ({@link
 * StepResult#retryAfterMs()}); the scheduler waits at least that long before the next attempt, on a
 * timer in its checkpointed state.
 *
 * <p>What leaves the operator is the last call's result, with the model, usage and cost of that
 * call.
 */
public class AgentExecutor extends RichAsyncFunction<StepRequest, StepResult>
    implements ResultTypeQueryable<StepResult> {
  private static final long serialVersionUID = 1L;

  private final SerializableSupplier<Agent> agentFactory;
  private final FinishedAttempts finishedAttempts;
  private final CallRetries retries;
  private int capacity;
  private transient AtomicInteger inFlight;

  /**
   * The operator's future of each attempt in flight, to its "counted out" flag (timeout() gets the
   * operator's).
   */
  private transient Map<ResultFuture<StepResult>, AtomicBoolean> pending;

  private transient Agent agent;
  private transient DeltaListener deltas;
  private transient ScheduledExecutorService retryTimer;
  private transient Map<String, StepResult> finishedBeforeRestore;
  private transient Counter skipped;
  private transient Counter retried;

  /**
   * @param agentFactory makes the agent in {@code open()}: agents hold clients and threads, not
   *     serializable
   * @param bootstrapServers, groupId where the job's step results and committed offsets are, to
   *     skip attempts that finished after the last checkpoint when the task restarts
   * @param retries when to call again within an attempt
   */
  public AgentExecutor(
      SerializableSupplier<Agent> agentFactory,
      String bootstrapServers,
      String groupId,
      CallRetries retries) {
    this(
        agentFactory,
        bootstrapServers == null
            ? FinishedAttempts.NONE
            : FinishedAttempts.inTopic(bootstrapServers, groupId),
        retries);
  }

  /**
   * @param agentFactory makes the agent in {@code open()}: agents hold clients and threads, not
   *     serializable
   * @param finishedAttempts the attempts to skip when the task (re)starts, read in {@code open()}
   * @param retries when to call again within an attempt
   */
  public AgentExecutor(
      SerializableSupplier<Agent> agentFactory,
      FinishedAttempts finishedAttempts,
      CallRetries retries) {
    this.agentFactory = agentFactory;
    this.finishedAttempts = Objects.requireNonNull(finishedAttempts, "finishedAttempts");
    this.retries = retries;
  }

  /**
   * Reports {@code capacity} (the async operator's, as given to {@code AsyncDataStream}) as the
   * gauge {@code asyncCapacity} beside {@code attemptsInFlight}, so the capacity in use is their
   * ratio.
   *
   * @return this
   */
  public AgentExecutor reportingCapacity(int capacity) {
    this.capacity = capacity;
    return this;
  }

  /** An executor outside the job's loop (tests, benchmarks): nothing to skip after a restart. */
  public AgentExecutor(SerializableSupplier<Agent> agentFactory, CallRetries retries) {
    this(agentFactory, FinishedAttempts.NONE, retries);
  }

  /** An executor outside the job's loop that calls once per attempt. */
  public AgentExecutor(SerializableSupplier<Agent> agentFactory) {
    this(agentFactory, CallRetries.NONE);
  }

  /**
   * Where the text of streaming calls goes: the {@link AgentCallOperator} sets its own before
   * {@code open()}; without it, nowhere.
   */
  void streamDeltasTo(DeltaListener deltas) {
    this.deltas = Objects.requireNonNull(deltas, "deltas");
  }

  @Override
  public void open(OpenContext openContext) {
    agent = agentFactory.get();
    retryTimer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t =
                  new Thread(
                      r,
                      "agent-retries-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
              t.setDaemon(true);
              return t;
            });
    skipped = getRuntimeContext().getMetricGroup().counter("finishedAttemptsSkipped");
    retried = getRuntimeContext().getMetricGroup().counter("callsRetried");
    // Attempts between asyncInvoke and their result (retry waits included): the async operator's
    // queue in use. At
    // asyncCapacity the operator stops taking requests and backpressures the scheduler.
    inFlight = new AtomicInteger();
    pending = new ConcurrentHashMap<>();
    getRuntimeContext().getMetricGroup().gauge("attemptsInFlight", (Gauge<Integer>) inFlight::get);
    int reported = capacity;
    getRuntimeContext().getMetricGroup().gauge("asyncCapacity", (Gauge<Integer>) () -> reported);
    // Any start may be a restore: a restarted task (attempt > 0), and also a new process resuming
    // from a checkpoint
    // (`gpilot up` after a crash), whose tasks are attempt 0. Results after the committed offsets
    // are the ones a
    // restore may hand us again; with none committed (no checkpoint completed yet), the source
    // reads the topics from
    // their start, and so do we. asyncInvoke runs on the task thread.
    finishedBeforeRestore = new HashMap<>(finishedAttempts.read());
  }

  @Override
  public void close() throws Exception {
    if (retryTimer != null) {
      retryTimer.shutdownNow();
    }
    if (agent != null) {
      agent.close();
    }
  }

  @Override
  public TypeInformation<StepResult> getProducedType() {
    return JsonTypeInfo.of(StepResult.class);
  }

  @Override
  public void asyncInvoke(StepRequest request, ResultFuture<StepResult> outcome) {
    inFlight.incrementAndGet();
    ResultFuture<StepResult> resultFuture = counted(outcome);
    StepResult finished =
        finishedBeforeRestore.isEmpty() ? null : finishedBeforeRestore.remove(request.attemptId());
    if (finished != null) {
      // Re-sent after the restore, but it already ran and its result is in the topic: do not pay
      // for it twice,
      // deliver that result again. The scheduler may have dropped the topic's copy as stale while
      // it waited to
      // re-dispatch this attempt (a retry back-off restored from the checkpoint); a second copy is
      // dropped as a
      // duplicate (stable id).
      skipped.inc();
      resultFuture.complete(Collections.singleton(finished));
      return;
    }
    long deadline = request.timeoutMs() > 0 ? request.requestedAt() + request.timeoutMs() : 0;
    call(request, 1, System.currentTimeMillis(), deadline, resultFuture);
  }

  /** What the {@code attemptsInFlight} gauge reports (after {@code open()}). */
  int attemptsInFlight() {
    return inFlight.get();
  }

  /** The future, counting the attempt out of {@code attemptsInFlight} on its first completion. */
  private ResultFuture<StepResult> counted(ResultFuture<StepResult> outcome) {
    AtomicBoolean counted = new AtomicBoolean();
    pending.put(outcome, counted);
    return new ResultFuture<>() {
      @Override
      public void complete(Collection<StepResult> result) {
        countOut(outcome);
        outcome.complete(result);
      }

      @Override
      public void complete(CollectionSupplier<StepResult> supplier) {
        countOut(outcome);
        outcome.complete(supplier);
      }

      @Override
      public void completeExceptionally(Throwable error) {
        countOut(outcome);
        outcome.completeExceptionally(error);
      }
    };
  }

  private void countOut(ResultFuture<StepResult> outcome) {
    AtomicBoolean counted = pending.remove(outcome);
    if (counted != null && counted.compareAndSet(false, true)) {
      inFlight.decrementAndGet();
    }
  }

  /**
   * The {@code calls}-th call of the attempt; on a retriable failure, the next one after the wait,
   * or the end.
   */
  private void call(
      StepRequest request,
      int calls,
      long startedAt,
      long deadline,
      ResultFuture<StepResult> resultFuture) {
    CompletableFuture<AgentReply> call;
    try {
      call = agent.call(request, deltas == null ? DeltaListener.NONE : deltas);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    call.whenComplete(
        (reply, error) -> {
          try {
            complete(request, calls, startedAt, deadline, reply, error, resultFuture);
          } catch (Throwable fatal) {
            // Thrown here it would only fail the future nobody reads, and the attempt would wait
            // for ever.
            resultFuture.completeExceptionally(fatal);
          }
        });
  }

  private void complete(
      StepRequest request,
      int calls,
      long startedAt,
      long deadline,
      AgentReply reply,
      Throwable error,
      ResultFuture<StepResult> resultFuture) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof Error fatal) {
      resultFuture.completeExceptionally(fatal);
      return;
    }
    long now = System.currentTimeMillis();
    StepResult result = outcome(request, reply, error, startedAt, now);
    OptionalLong wait =
        result.retriable()
            ? retries.nextDelayMs(
                calls, retryAfter(result), now, deadline, ThreadLocalRandom.current()::nextDouble)
            : OptionalLong.empty();
    if (wait.isEmpty()) {
      resultFuture.complete(Collections.singleton(result));
      return;
    }
    // The failed call's outcome, and its charge, are dropped (SPEC.md §7, "Usage, prices and
    // cost").
    try {
      retryTimer.schedule(
          () -> callAgain(request, calls + 1, startedAt, deadline, resultFuture),
          wait.getAsLong(),
          TimeUnit.MILLISECONDS);
      retried.inc();
    } catch (RejectedExecutionException closing) {
      resultFuture.complete(Collections.singleton(result));
    }
  }

  /**
   * A call on the retry timer's thread: what it throws would vanish into the timer's future, so it
   * fails the task.
   */
  private void callAgain(
      StepRequest request,
      int calls,
      long startedAt,
      long deadline,
      ResultFuture<StepResult> resultFuture) {
    try {
      call(request, calls, startedAt, deadline, resultFuture);
    } catch (Throwable fatal) {
      resultFuture.completeExceptionally(fatal);
    }
  }

  private static Duration retryAfter(StepResult result) {
    return result.retryAfterMs() == null ? null : Duration.ofMillis(result.retryAfterMs());
  }

  static StepResult outcome(
      StepRequest request, AgentReply reply, Throwable error, long startedAt, long finishedAt) {
    ModelCharge charge;
    String message = null;
    boolean retriable = false;
    Long retryAfterMs = null;
    if (error == null) {
      charge = reply.charge();
    } else {
      Throwable cause =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      AgentException failure = cause instanceof AgentException a ? a : null;
      charge = failure == null ? null : failure.charge();
      message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
      retriable = failure != null && failure.retriable();
      retryAfterMs =
          retriable && failure.retryAfter() != null ? failure.retryAfter().toMillis() : null;
    }
    return new StepResult(
        request.missionId(),
        request.workspaceId(),
        request.stepId(),
        request.attempt(),
        request.agent(),
        error == null,
        error == null ? reply.output() : null,
        message,
        startedAt,
        finishedAt,
        charge == null ? null : charge.model(),
        charge == null ? null : charge.usage(),
        charge == null ? 0 : charge.costMicros(),
        charge == null ? null : charge.priceVersion(),
        retriable,
        retryAfterMs);
  }

  @Override
  public void timeout(StepRequest request, ResultFuture<StepResult> resultFuture) {
    if (pending != null) {
      countOut(resultFuture);
    }
    long now = System.currentTimeMillis();
    resultFuture.complete(
        Collections.singleton(
            StepResult.failed(
                request.missionId(),
                request.workspaceId(),
                request.stepId(),
                request.attempt(),
                request.agent(),
                "timed out",
                request.requestedAt(),
                now,
                true)));
  }
}
