package dev.gpilot.jobs.agents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Json;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * The executor in the operator the job runs it in (Flink's async operator, {@link
 * AgentCallOperator}): how an attempt ends when the agent fails in ways that are not an attempt's
 * failure. An {@link Error} must fail the task (the job then restores from its checkpoint) on
 * whichever thread it comes; left unseen on the retry timer's thread, the attempt would wait until
 * the scheduler timed it out, and the cost of the call before would be lost with it.
 */
class AgentExecutorTest {
  /** Calls of the scripted agent, across its instances (the harness makes one, in open()). */
  static final AtomicInteger CALLS = new AtomicInteger();

  /**
   * The first call fails retriably (and is paid for); the second does what the test's script says.
   */
  static final class SecondCallAgent implements Agent {
    private final Function<Integer, CompletableFuture<AgentReply>> secondCall;

    SecondCallAgent(Function<Integer, CompletableFuture<AgentReply>> secondCall) {
      this.secondCall = secondCall;
    }

    @Override
    public CompletableFuture<AgentReply> call(StepRequest request, DeltaListener deltas) {
      int call = CALLS.incrementAndGet();
      if (call == 1) {
        return CompletableFuture.failedFuture(
            new AgentException(
                "429 from the provider",
                true,
                new ModelCharge("gemini-2.5-pro", new Usage(1000, 200, 0, 0), 20_742, "test/1"),
                null));
      }
      return secondCall.apply(call);
    }
  }

  private static Optional<? extends Throwable> taskFailure(AgentExecutor executor)
      throws Exception {
    CALLS.set(0);
    try (var harness = AgentCallOperatorTest.harness(executor)) {
      harness.getEnvironment().setExpectedExternalFailureCause(Throwable.class);
      harness.open();
      AgentCallOperatorTest.send(harness, 1);
      // Long enough for the retry (10 ms) many times over; the operator's own timeout (60 s) is far
      // away.
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < until
          && harness.getEnvironment().getActualExternalFailureCause().isEmpty()
          && harness.getOutput().isEmpty()) {
        Thread.sleep(20);
      }
      assertThat(CALLS.get())
          .as("the attempt was called again after its retriable failure")
          .isEqualTo(2);
      assertThat(harness.getOutput()).as("no result of the attempt").isEmpty();
      return harness.getEnvironment().getActualExternalFailureCause();
    }
  }

  private static final CallRetries ONE_RETRY =
      new CallRetries(1, Duration.ofMillis(10), Duration.ofMillis(10));

  /**
   * Calls the test completes by hand, for {@link
   * #attemptsInFlight_countsAttemptsFromTheCallToTheirResult()}.
   */
  static final List<CompletableFuture<AgentReply>> PENDING = new CopyOnWriteArrayList<>();

  @Test
  void attemptsInFlight_countsAttemptsFromTheCallToTheirResult() throws Exception {
    PENDING.clear();
    AgentExecutor executor =
        new AgentExecutor(
                () ->
                    new Agent() {
                      @Override
                      public CompletableFuture<AgentReply> call(
                          StepRequest request, DeltaListener deltas) {
                        CompletableFuture<AgentReply> reply = new CompletableFuture<>();
                        PENDING.add(reply);
                        return reply;
                      }
                    })
            .reportingCapacity(4);
    try (var harness = AgentCallOperatorTest.harness(executor)) {
      harness.open();
      AgentExecutor opened =
          (AgentExecutor)
              ((AbstractUdfStreamOperator<?, ?>) harness.getOneInputOperator()).getUserFunction();
      assertThat(opened.attemptsInFlight()).isZero();
      synchronized (harness.getCheckpointLock()) {
        for (String step : List.of("a", "b")) {
          harness.processElement(
              new StreamRecord<>(
                  new StepRequest(
                      "m1",
                      "ws",
                      step,
                      1,
                      "agent-scout",
                      "research",
                      Json.mapper().createObjectNode(),
                      "a mission",
                      System.currentTimeMillis()),
                  0));
        }
      }
      assertThat(opened.attemptsInFlight()).isEqualTo(2);
      PENDING.get(0).complete(new AgentReply(Json.mapper().createObjectNode(), null));
      assertThat(opened.attemptsInFlight()).as("one answered").isEqualTo(1);
      PENDING.get(1).completeExceptionally(new AgentException("bad request", false, null, null));
      assertThat(opened.attemptsInFlight()).as("a failed attempt is out too").isZero();
    }
  }

  @Test
  void anErrorThrownByARetriedCall_failsTheTask_insteadOfLeavingTheAttemptWaiting()
      throws Exception {
    Optional<? extends Throwable> failure =
        taskFailure(
            new AgentExecutor(
                () ->
                    new SecondCallAgent(
                        call -> {
                          throw new AssertionError("injected on the retry timer's thread");
                        }),
                ONE_RETRY));
    assertThat(failure).as("the task failed").isPresent();
    assertThat(failure.get()).hasStackTraceContaining("injected on the retry timer's thread");
  }

  @Test
  void anErrorAsTheCallsFailure_failsTheTask_notTheAttempt() throws Exception {
    Optional<? extends Throwable> failure =
        taskFailure(
            new AgentExecutor(
                () ->
                    new SecondCallAgent(
                        call ->
                            CompletableFuture.failedFuture(
                                new OutOfMemoryError("injected as the future's failure"))),
                ONE_RETRY));
    assertThat(failure).as("the task failed").isPresent();
    assertThat(failure.get()).hasStackTraceContaining("injected as the future's failure");
  }
}
