package dev.gpilot.jobs.agents.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.TopicAdmin;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.testing.TopicContents;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The text of a streaming call reaches gpilot.step-deltas.v1 before its attempt's result is sent
 * (after flush).
 */
class KafkaDeltaListenerITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();

  @BeforeAll
  static void topics() {
    TopicAdmin.ensureTopics(KAFKA.bootstrapServers());
  }

  @Test
  void deltasOfAnAttempt_areOnTheTopicInOrder_onceFlushed() {
    StepRequest request =
        new StepRequest(
            "m-1",
            "ws-a",
            "s1",
            2,
            "agent-scout",
            "Scout it",
            null,
            "launch",
            Map.of(),
            30_000,
            1,
            null);
    StepRequest other =
        new StepRequest(
            "m-1",
            "ws-a",
            "s2",
            1,
            "agent-scout",
            "Scout it",
            null,
            "launch",
            Map.of(),
            30_000,
            1,
            null);
    try (KafkaDeltaListener listener = new KafkaDeltaListener(KAFKA.bootstrapServers())) {
      // Sent at once to partitions the broker has just taken up: a first batch refused there
      // (NOT_LEADER_OR_FOLLOWER) is retried, and must not land behind the later ones.
      listener.onDelta(request, 0, "Hello");
      listener.onDelta(request, 1, ", wörld");
      for (int i = 2; i < 100; i++) {
        listener.onDelta(request, i, " " + i);
      }
      listener.flush(request);
      listener.flush(other); // nothing streamed for it: returns at once
      // Read while the producer is still open: flush alone must have made them visible.
      List<ConsumerRecord<byte[], byte[]>> written =
          TopicContents.read(KAFKA.bootstrapServers(), Topics.STEP_DELTAS);
      JsonCodec<StepDelta> codec = JsonCodec.of(StepDelta.class);
      assertThat(written)
          .allSatisfy(
              r -> assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("m-1"));
      List<org.assertj.core.groups.Tuple> expected = new java.util.ArrayList<>();
      expected.add(org.assertj.core.groups.Tuple.tuple("m-1/s1/2/0", "Hello"));
      expected.add(org.assertj.core.groups.Tuple.tuple("m-1/s1/2/1", ", wörld"));
      for (int i = 2; i < 100; i++) {
        expected.add(org.assertj.core.groups.Tuple.tuple("m-1/s1/2/" + i, " " + i));
      }
      assertThat(written)
          .extracting(r -> codec.decode(r.value()))
          .extracting(StepDelta::id, StepDelta::text)
          .containsExactlyElementsOf(expected);
    }
  }
}
