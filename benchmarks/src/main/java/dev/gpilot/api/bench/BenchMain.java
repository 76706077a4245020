package dev.gpilot.api.bench;

import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * What the benchmarks' {@code main}s share: positional arguments with defaults, the exit, and how
 * their generators write to Kafka.
 */
final class BenchMain {
  private BenchMain() {}

  /** A benchmark's body, given its arguments. */
  @FunctionalInterface
  interface Body {
    void run(String[] args) throws Exception;
  }

  /**
   * Runs the body and exits the JVM: 0, or 1 after printing the failure. In-process brokers and
   * jobs leave non-daemon threads behind, so the exit is explicit, also when a part failed.
   */
  static void exitAfter(String[] args, Body body) {
    int status = 0;
    try {
      body.run(args);
    } catch (Throwable e) {
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  /** Argument {@code i} as a long, or {@code otherwise} when there are fewer arguments. */
  static long longArg(String[] args, int i, long otherwise) {
    return args.length > i ? Long.parseLong(args[i]) : otherwise;
  }

  /** Argument {@code i} as an int, or {@code otherwise} when there are fewer arguments. */
  static int intArg(String[] args, int i, int otherwise) {
    return args.length > i ? Integer.parseInt(args[i]) : otherwise;
  }

  /** Argument {@code i}, or {@code otherwise} when there are fewer arguments. */
  static String arg(String[] args, int i, String otherwise) {
    return args.length > i ? args[i] : otherwise;
  }

  /**
   * A producer of a generator that fills a new topic flat out: 20 ms linger, 256 KiB lz4 batches,
   * and one request in flight, because a first batch refused while the broker takes up a new
   * partition (NOT_LEADER_OR_FOLLOWER) was refused again as out of order behind the later ones
   * (seen: 210 records lost).
   */
  static Properties bulkProducer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    return props;
  }
}
