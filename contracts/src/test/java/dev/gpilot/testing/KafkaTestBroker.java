package dev.gpilot.testing;

import java.util.Properties;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Kafka broker (KRaft, combined broker and controller) in the test JVM, fresh for each test
 * class: Kafka's own test harness, which reserves its ports, formats its storage and deletes it on
 * close.
 */
public final class KafkaTestBroker implements BeforeAllCallback, AfterAllCallback {
  private KafkaClusterTestKit cluster;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    cluster =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
            .setConfigProp("auto.create.topics.enable", "false")
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("offsets.topic.num.partitions", "4")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("log.cleaner.dedupe.buffer.size", "2097152")
            .setConfigProp("num.partitions", "4")
            .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * Stops the broker (its controller keeps running): clients see Kafka gone until {@link
   * #startBroker}.
   */
  public void stopBroker() {
    cluster
        .brokers()
        .values()
        .forEach(
            broker -> {
              broker.shutdown();
              broker.awaitShutdown();
            });
  }

  /** Starts the broker again, on the same port and storage, and waits until it serves. */
  public void startBroker() throws Exception {
    cluster.brokers().values().forEach(broker -> broker.startup());
    cluster.waitForReadyBrokers();
  }

  /**
   * The broker's storage (log segments, metadata): tests scan it for what must never be written.
   */
  public java.nio.file.Path dataDirectory() {
    return java.nio.file.Path.of(cluster.nodes().baseDirectory());
  }

  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  public Properties clientProperties() {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers());
    return props;
  }
}
