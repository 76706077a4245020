package dev.gpilot.api.kafka;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;

/**
 * What a {@link FencedLogWriter} needs of Kafka: a transactional producer under the deployment's
 * one transactional id, and how far its topic's committed records reach. {@link
 * KafkaTransactionalLog} in production; tests give Kafka's {@code MockProducer} and offsets of
 * their own.
 */
public interface TransactionalLog extends AutoCloseable {
  /**
   * A new producer holding the transactional id, its {@code initTransactions} done (which fences
   * every earlier writer). The caller closes it.
   *
   * @throws RuntimeException when Kafka cannot be reached; the writer retries
   */
  Producer<String, byte[]> producer() throws InterruptedException;

  /**
   * The end of each partition of the topic (partition → offset), counting committed records only; a
   * transaction committed a moment ago counts although its markers were not written yet.
   *
   * @throws IllegalStateException when Kafka does not answer in time
   */
  Map<Integer, Long> committedEnd() throws InterruptedException;

  /**
   * Waits until the local store has applied every record below {@code offsets}.
   *
   * @return false when that did not happen within {@code timeout}
   */
  boolean awaitApplied(Map<Integer, Long> offsets, Duration timeout) throws InterruptedException;

  @Override
  void close();
}
