package dev.gpilot.api.missions;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.kafka.KafkaClientConfigs;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionSubmitted;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes submissions and commands: idempotent producer, {@code acks=all}. Thread-safe. */
public final class MissionPublisher implements AutoCloseable {
  private final Producer<String, byte[]> producer;
  private final JsonCodec<MissionSubmitted> codec = JsonCodec.of(MissionSubmitted.class);
  private final JsonCodec<MissionControl> controlCodec = JsonCodec.of(MissionControl.class);
  // Acks arrive on the producer's single I/O thread; what follows (writing HTTP responses) must not
  // run there.
  private final ExecutorService completions =
      Executors.newFixedThreadPool(
          4,
          r -> {
            Thread t = new Thread(r, "mission-ack");
            t.setDaemon(true);
            return t;
          });

  public MissionPublisher(String bootstrapServers) {
    this(
        new KafkaProducer<>(
            producerProperties(bootstrapServers),
            new StringSerializer(),
            new ByteArraySerializer()));
  }

  /**
   * Writes with the given producer, which must be configured as {@link #producerProperties} says
   * for what SPEC promises ({@code acks=all}, idempotent); tests pass Kafka's {@code MockProducer}.
   * Closed by {@link #close}.
   */
  public MissionPublisher(Producer<String, byte[]> producer) {
    this.producer = producer;
  }

  /**
   * The production producer's settings: durable on all in-sync replicas, idempotent, briefly
   * batched. Public so that a benchmark's raw producer is configured exactly alike ({@code bench
   * submit} compares bulk submission with it).
   */
  public static Properties producerProperties(String bootstrapServers) {
    Properties props = KafkaClientConfigs.boundedDurableProducer(bootstrapServers);
    // A 1 ms linger batches concurrent submissions without adding noticeable latency to one.
    props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    // Batches of up to 128 KiB per partition (default 16 KiB): a bulk submission's 1,000 records
    // then travel in a few
    // produce requests instead of dozens; single submissions are not held back by it (linger
    // decides).
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(128 * 1024));
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
    return props;
  }

  /** Publishes the producer's own metrics (sends, errors, retries, latency). */
  public void bindMetrics(dev.gpilot.api.metrics.ApiMetrics metrics) {
    metrics.kafkaProducer(producer, "missions");
  }

  /**
   * Hands every submission to the producer without waiting between them (they travel in its
   * batches), then completes once the broker has answered for all: per submission, in order, null
   * when it is durable (all in-sync replicas) or the error it failed with. Never completes
   * exceptionally.
   */
  public CompletableFuture<List<Exception>> publishAll(List<MissionSubmitted> submissions) {
    if (submissions.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    List<byte[]> values;
    try {
      values = codec.encodeEach(submissions); // one generator for the whole batch
    } catch (RuntimeException e) {
      values = null; // each record then fails on its own below
    }
    Exception[] errors = new Exception[submissions.size()];
    AtomicInteger pending = new AtomicInteger(submissions.size());
    CompletableFuture<List<Exception>> done = new CompletableFuture<>();
    for (int i = 0; i < submissions.size(); i++) {
      int at = i;
      MissionSubmitted submitted = submissions.get(i);
      Callback callback =
          (metadata, error) -> {
            errors[at] = error;
            // One hop off the producer's I/O thread for the whole batch, not one per record.
            if (pending.decrementAndGet() == 0) {
              completions.execute(() -> done.complete(Arrays.asList(errors)));
            }
          };
      try {
        producer.send(
            new ProducerRecord<>(
                Topics.MISSIONS,
                submitted.missionId(),
                values != null ? values.get(at) : codec.encode(submitted)),
            callback);
      } catch (RuntimeException e) {
        callback.onCompletion(null, e); // a producer that is closed, or a record it cannot take
      }
    }
    return done;
  }

  /** Writes a command to {@code gpilot.mission-control.v1}; completes once it is durable. */
  public CompletableFuture<Void> publish(MissionControl control) {
    return send(
        new ProducerRecord<>(
            Topics.MISSION_CONTROL, control.missionId(), controlCodec.encode(control)));
  }

  private CompletableFuture<Void> send(ProducerRecord<String, byte[]> record) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    producer.send(
        record,
        (metadata, error) -> {
          if (error == null) {
            completions.execute(() -> done.complete(null));
          } else {
            completions.execute(() -> done.completeExceptionally(error));
          }
        });
    return done;
  }

  @Override
  public void close() {
    producer.close();
    completions.shutdown();
  }
}
