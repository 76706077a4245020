package dev.gpilot.jobs.agents.gemini;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.kafka.KafkaClientConfigs;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.jobs.agents.StepRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends the text of streaming model calls to {@code gpilot.step-deltas.v1}, from where the
 * scheduler turns it into {@code step.delta} events with their place in the mission's sequence.
 * Best effort: a send that fails is dropped (the step's result is the one of record), and sending
 * never blocks the stream's thread for long.
 */
public final class KafkaDeltaListener implements DeltaListener, AutoCloseable {
  private static final JsonCodec<StepDelta> CODEC = JsonCodec.of(StepDelta.class);
  private final KafkaProducer<String, byte[]> producer;

  /** The last send of each attempt that is streaming: sends to one partition are acked in order. */
  private final Map<String, Future<RecordMetadata>> lastSend = new ConcurrentHashMap<>();

  public KafkaDeltaListener(String bootstrapServers) {
    this.producer =
        new KafkaProducer<>(
            KafkaClientConfigs.bestEffortProducer(bootstrapServers),
            new StringSerializer(),
            new ByteArraySerializer());
  }

  @Override
  public void onDelta(StepRequest request, int index, String text) {
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
      lastSend.put(
          request.attemptId(),
          producer.send(
              new ProducerRecord<>(Topics.STEP_DELTAS, request.missionId(), CODEC.encode(delta))));
    } catch (RuntimeException e) {
      // Best effort by contract: the final result carries the whole text.
    }
  }

  /**
   * Waits up to a second for the attempt's deltas to be acknowledged, so they reach the scheduler
   * first.
   */
  @Override
  public void flush(StepRequest request) {
    Future<RecordMetadata> last = lastSend.remove(request.attemptId());
    if (last == null) {
      return;
    }
    try {
      last.get(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Best effort: a delta that is late or lost is covered by the step's result.
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
