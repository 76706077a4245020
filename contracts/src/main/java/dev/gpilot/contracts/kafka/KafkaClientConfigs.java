package dev.gpilot.contracts.kafka;

import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The one place where G-Pilot's Kafka producers, following consumers and admin clients get their
 * settings: named presets, one per role. Every method returns a fresh, mutable {@link Properties};
 * a caller adds only what is its own (a linger, a batch size, a larger request for big records)
 * next to a comment saying why.
 *
 * <p>Presets build on each other: {@link #durableProducer} is the base of every producer whose
 * records are of record (acks on all in-sync replicas, idempotent, so a retry never duplicates nor
 * reorders); {@link #fencedTransactional} adds a transactional id that fences a previous writer
 * with the same id. Only {@link #bestEffortProducer} is not durable, for output that may be lost.
 *
 * <p>Users of the contracts bring their own {@code kafka-clients} (it is {@code provided} here).
 */
public final class KafkaClientConfigs {
  private KafkaClientConfigs() {}

  /**
   * Durable and idempotent: {@code acks=all}, {@code enable.idempotence=true}. With {@code
   * bootstrapServers} null no bootstrap is set (Flink's {@code KafkaSink} takes it from its
   * builder).
   */
  public static Properties durableProducer(String bootstrapServers) {
    Properties props = new Properties();
    if (bootstrapServers != null) {
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    return props;
  }

  /**
   * A request/response producer of the control API: {@link #durableProducer} that gives up within
   * bounds a waiting HTTP caller can bear: 30 s delivery, 15 s per request. {@code max.block.ms}
   * (how long {@code send} may wait for metadata or buffer) stays each caller's choice.
   */
  public static Properties boundedDurableProducer(String bootstrapServers) {
    Properties props = durableProducer(bootstrapServers);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    return props;
  }

  /**
   * The fenced single writer of a compacted log (the vault, the control plane): {@link
   * #boundedDurableProducer} with {@code transactional.id} (a new writer with the same id fences
   * the old one), no linger (one transaction at a time, nothing to batch with), {@code
   * max.block.ms} 15 s and a 15 s transaction timeout. Keep that timeout short: a writer that dies
   * mid-transaction holds back {@code read_committed} readers until the next writer starts or the
   * timeout aborts it, and a write (even a rotation of 1,000 secrets) takes well under a second.
   *
   * <p>The caller calls {@code initTransactions()} on the producer it builds from these.
   */
  public static Properties fencedTransactional(String bootstrapServers, String transactionalId) {
    Properties props = boundedDurableProducer(bootstrapServers);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "15000");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
    return props;
  }

  /**
   * The producer of a Flink {@code KafkaSink} (no bootstrap: the sink's builder sets it): {@link
   * #durableProducer} with a 15 min transaction timeout. The sinks deliver at least once, but
   * {@code KafkaSink} always sets a transaction timeout and its default (1 h) is above the broker's
   * maximum (15 min). The caller sets the linger.
   */
  public static Properties flinkSinkProducer() {
    Properties props = durableProducer(null);
    props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "900000");
    return props;
  }

  /**
   * Best effort, for output that may be lost and must never hold up its sender: {@code acks=1}, no
   * linger, at most 1 s blocked in {@code send}, 10 s delivery, 5 s per request, and one request in
   * flight: without idempotence (which {@code acks=1} turns off) a retried batch could otherwise
   * land behind a later one, and the records of one key would be out of order (seen with a
   * partition its broker was still taking up).
   */
  public static Properties bestEffortProducer(String bootstrapServers) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "1");
    props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000");
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    return props;
  }

  /**
   * A consumer that follows topics from the beginning without a consumer group (every process reads
   * everything, assigning partitions itself): no auto commit, {@code auto.offset.reset=earliest}.
   * The caller adds its isolation level and fetch sizes.
   */
  public static Properties followingConsumer(String bootstrapServers) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return props;
  }

  /**
   * The admin client beside a fenced writer, which asks it for the committed end of its log before
   * every write: 10 s per request, 15 s per call.
   */
  public static Properties writerAdmin(String bootstrapServers) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
    return props;
  }
}
