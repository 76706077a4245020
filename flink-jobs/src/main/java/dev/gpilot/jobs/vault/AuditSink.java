package dev.gpilot.jobs.vault;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.kafka.KafkaClientConfigs;
import dev.gpilot.contracts.vault.AuditEvent;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the job's audit events go. Implementations never block the caller for long and are
 * thread-safe.
 */
public interface AuditSink extends AutoCloseable {
  void emit(AuditEvent event);

  @Override
  default void close() {}

  /**
   * Writes to {@code gpilot.audit.v1} with an idempotent producer ({@code acks=all}, retried by the
   * client for up to two minutes), without waiting: a decrypt must not wait on Kafka. A send that
   * still fails is logged (event id and action only).
   */
  static AuditSink kafka(String bootstrapServers) {
    Properties props = KafkaClientConfigs.durableProducer(bootstrapServers);
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
    KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    JsonCodec<AuditEvent> codec = JsonCodec.of(AuditEvent.class);
    Logger log = LoggerFactory.getLogger(AuditSink.class);
    return new AuditSink() {
      @Override
      public void emit(AuditEvent event) {
        producer.send(
            new ProducerRecord<>(Topics.AUDIT, event.workspaceId(), codec.encode(event)),
            (metadata, error) -> {
              if (error != null) {
                log.error(
                    "audit event {} ({} of workspace {}) was not written: {}",
                    event.id(),
                    event.action(),
                    event.workspaceId(),
                    error.toString());
              }
            });
      }

      @Override
      public void close() {
        producer.close(Duration.ofSeconds(10));
      }
    };
  }
}
