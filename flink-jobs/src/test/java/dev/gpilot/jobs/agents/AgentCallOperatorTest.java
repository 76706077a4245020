package dev.gpilot.jobs.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.function.SerializableSupplier;
import org.junit.jupiter.api.Test;

/**
 * The executor's operator: the text an agent streams leaves on the {@link AgentCallOperator#DELTAS}
 * side output, in order, as {@link StepDelta}s of the attempt, and the attempt's result on the main
 * output after them.
 */
class AgentCallOperatorTest {

  /** Streams its parts from a thread of its own, as a model stream's reader does, then answers. */
  static final class StreamingAgent implements Agent {
    private static final List<String> PARTS = List.of("Laun", "ch ", "note");

    @Override
    public CompletableFuture<AgentReply> call(StepRequest request, DeltaListener deltas) {
      return CompletableFuture.supplyAsync(
          () -> {
            for (int i = 0; i < PARTS.size(); i++) {
              deltas.onDelta(request, i, PARTS.get(i));
            }
            return new AgentReply(
                Json.mapper().createObjectNode().put("text", String.join("", PARTS)), null);
          },
          CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
    }
  }

  /** Never answers: the attempt stays in flight. */
  static final class SilentAgent implements Agent {
    @Override
    public CompletableFuture<AgentReply> call(StepRequest request, DeltaListener deltas) {
      return new CompletableFuture<>();
    }
  }

  private static OneInputStreamOperatorTestHarness<StepRequest, StepResult> harness(
      SerializableSupplier<Agent> agent) throws Exception {
    return harness(new AgentExecutor(agent));
  }

  /**
   * {@code executor} in the operator the job runs it in (capacity 4, a timeout of a minute), in a
   * test harness.
   */
  static OneInputStreamOperatorTestHarness<StepRequest, StepResult> harness(AgentExecutor executor)
      throws Exception {
    return new OneInputStreamOperatorTestHarness<>(
        AgentCallOperator.factory(executor, 60_000, 4),
        JsonTypeInfo.of(StepRequest.class).createSerializer(new SerializerConfigImpl()));
  }

  /**
   * Attempt {@code attempt} of step "write" (content-orchestrator) of mission m1, into the harness.
   */
  static void send(OneInputStreamOperatorTestHarness<StepRequest, StepResult> harness, int attempt)
      throws Exception {
    synchronized (harness.getCheckpointLock()) {
      harness.processElement(
          new StreamRecord<>(
              new StepRequest(
                  "m1",
                  "ws",
                  "write",
                  attempt,
                  "content-orchestrator",
                  "write",
                  Json.mapper().createObjectNode(),
                  "a mission",
                  System.currentTimeMillis()),
              0));
    }
  }

  /** The operator emits on the task's thread: runs its mails until a result is out (10 s). */
  private static void awaitResult(
      OneInputStreamOperatorTestHarness<StepRequest, StepResult> harness) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (harness.getOutput().isEmpty() && System.nanoTime() < until) {
      Optional<Mail> mail = harness.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY);
      if (mail.isPresent()) {
        mail.get().run();
      } else {
        Thread.sleep(5);
      }
    }
  }

  @Test
  void streamedText_leavesOnTheDeltasOutput_inOrder_beforeTheAttemptsResult() throws Exception {
    try (var harness = harness(StreamingAgent::new)) {
      harness.open();
      send(harness, 2);

      awaitResult(harness);

      assertStreamedAndAnswered(harness);
    }
  }

  @Test
  void anAttemptInFlightAtTheCheckpoint_runsAgainAfterTheRestore_andStreamsThen() throws Exception {
    OperatorSubtaskState checkpoint;
    try (var before = harness(SilentAgent::new)) {
      before.open();
      send(before, 2);
      checkpoint = before.snapshot(1, 1);
    }

    try (var after = harness(StreamingAgent::new)) {
      after.initializeState(checkpoint);
      after.open();

      awaitResult(after);

      assertStreamedAndAnswered(after);
    }
  }

  private static void assertStreamedAndAnswered(
      OneInputStreamOperatorTestHarness<StepRequest, StepResult> harness) {
    assertThat(harness.getOutput()).hasSize(1);
    List<StepDelta> deltas =
        harness.getSideOutput(AgentCallOperator.DELTAS).stream()
            .map(StreamRecord::getValue)
            .toList();
    assertThat(deltas)
        .as("all of them out by the time the result is")
        .extracting(
            StepDelta::missionId,
            StepDelta::workspaceId,
            StepDelta::stepId,
            StepDelta::attempt,
            StepDelta::index,
            StepDelta::text)
        .containsExactly(
            tuple("m1", "ws", "write", 2, 0, "Laun"),
            tuple("m1", "ws", "write", 2, 1, "ch "),
            tuple("m1", "ws", "write", 2, 2, "note"));
    @SuppressWarnings("unchecked")
    StepResult result = ((StreamRecord<StepResult>) harness.getOutput().peek()).getValue();
    assertThat(result.succeeded()).isTrue();
    assertThat(result.output().path("text").asText()).isEqualTo("Launch note");
  }
}
