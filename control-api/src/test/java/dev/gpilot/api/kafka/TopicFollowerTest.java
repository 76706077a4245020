package dev.gpilot.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The follower keeps following through failures of its consumer and of its handler. */
class TopicFollowerTest {
  private static final String TOPIC = "t";
  private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
  private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

  private final Broker broker = new Broker();
  private final List<String> applied = new CopyOnWriteArrayList<>();
  private TopicFollower follower;

  @AfterEach
  void close() throws Exception {
    if (follower != null) {
      follower.close();
    }
  }

  /** What the topic holds; every consumer made from it reads it from wherever it is positioned. */
  private static final class Broker {
    final Map<TopicPartition, List<String>> log =
        new HashMap<>(Map.of(P0, new ArrayList<>(), P1, new ArrayList<>()));
    // Each record's timestamp, by partition and offset.
    final Map<TopicPartition, List<Long>> times =
        new HashMap<>(Map.of(P0, new ArrayList<>(), P1, new ArrayList<>()));
    final List<MockConsumer<String, byte[]>> consumers = new CopyOnWriteArrayList<>();

    void append(TopicPartition tp, String... values) {
      appendAt(System.currentTimeMillis(), tp, values);
    }

    synchronized void appendAt(long timestamp, TopicPartition tp, String... values) {
      for (String v : values) {
        long offset = log.get(tp).size();
        log.get(tp).add(v);
        times.get(tp).add(timestamp);
        for (MockConsumer<String, byte[]> c : consumers) {
          synchronized (c) {
            // The follower closes a failed consumer on its own thread; MockConsumer's methods lock
            // it, so the check
            // and the append are one step. A closed one needs nothing: its successor reads the log
            // on assign.
            if (!c.closed()) {
              c.addRecord(record(tp, offset, v));
              c.updateEndOffsets(Map.of(tp, offset + 1));
            }
          }
        }
      }
    }

    synchronized MockConsumer<String, byte[]> newConsumer() {
      MockConsumer<String, byte[]> consumer =
          new MockConsumer<>("earliest") {
            @Override
            public synchronized void assign(Collection<TopicPartition> partitions) {
              super.assign(partitions);
              synchronized (Broker.this) {
                for (TopicPartition tp : partitions) {
                  List<String> values = log.get(tp);
                  for (int i = 0; i < values.size(); i++) {
                    addRecord(record(tp, i, values.get(i)));
                  }
                }
              }
            }

            // As KafkaConsumer does (MockConsumer does not): no partitions means every assigned
            // one.
            @Override
            public synchronized void seekToBeginning(Collection<TopicPartition> partitions) {
              super.seekToBeginning(partitions.isEmpty() ? assignment() : partitions);
            }

            @Override
            public synchronized void seekToEnd(Collection<TopicPartition> partitions) {
              super.seekToEnd(partitions.isEmpty() ? assignment() : partitions);
            }

            @Override
            public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(
                Map<TopicPartition, Long> query, Duration timeout) {
              // As Kafka answers: the first offset whose timestamp is at or after the time, or
              // nothing.
              Map<TopicPartition, OffsetAndTimestamp> found = new HashMap<>();
              synchronized (Broker.this) {
                query.forEach(
                    (tp, since) -> {
                      List<Long> stamps = times.get(tp);
                      for (int i = 0; i < stamps.size(); i++) {
                        if (stamps.get(i) >= since) {
                          found.put(tp, new OffsetAndTimestamp(i, stamps.get(i)));
                          return;
                        }
                      }
                    });
              }
              return found;
            }
          };
      Node node = new Node(0, "localhost", 9092);
      consumer.updatePartitions(
          TOPIC,
          List.of(
              new PartitionInfo(TOPIC, 0, node, null, null),
              new PartitionInfo(TOPIC, 1, node, null, null)));
      consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
      consumer.updateEndOffsets(
          Map.of(P0, (long) log.get(P0).size(), P1, (long) log.get(P1).size()));
      consumers.add(consumer);
      return consumer;
    }

    private static ConsumerRecord<String, byte[]> record(
        TopicPartition tp, long offset, String value) {
      return new ConsumerRecord<>(
          tp.topic(), tp.partition(), offset, value, value.getBytes(StandardCharsets.UTF_8));
    }
  }

  private TopicFollower start(Consumer<ConsumerRecord<String, byte[]>> apply) throws Exception {
    return start(null, apply);
  }

  private TopicFollower start(Duration lookback, Consumer<ConsumerRecord<String, byte[]>> apply)
      throws Exception {
    follower =
        new TopicFollower(
            "test-follower", broker::newConsumer, List.of(TOPIC), lookback, apply, () -> {});
    follower.start();
    assertThat(follower.awaitCaughtUp(Duration.ofSeconds(10))).isTrue();
    return follower;
  }

  private void record(ConsumerRecord<String, byte[]> r) {
    applied.add(new String(r.value(), StandardCharsets.UTF_8));
  }

  @Test
  void withALookback_onlyTheRecordsWrittenWithinIt_areApplied_alsoAfterAConsumerFailure()
      throws Exception {
    long twoDaysAgo = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
    broker.appendAt(twoDaysAgo, P0, "a0-old");
    broker.append(P0, "a1");
    broker.appendAt(twoDaysAgo, P1, "b0-old"); // a partition with nothing within the look-back

    start(Duration.ofDays(1), this::record);
    assertThat(applied).containsExactly("a1");

    // A consumer that replaces a failed one starts where the look-back put the first, not at the
    // beginning.
    broker
        .consumers
        .get(0)
        .setPollException(new KafkaException("injected: the broker connection broke"));
    broker.append(P1, "b1");
    broker.append(P0, "a2");

    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(applied).hasSize(3));
    assertThat(broker.consumers).hasSizeGreaterThan(1);
    assertThat(applied).containsExactlyInAnyOrder("a1", "b1", "a2");
  }

  @Test
  void withALookback_everyPartitionWithRecentRecords_isReadFromItsFirstRecentOne()
      throws Exception {
    long twoDaysAgo = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
    broker.appendAt(twoDaysAgo, P0, "a0-old");
    broker.append(P0, "a1");
    broker.appendAt(twoDaysAgo, P1, "b0-old");
    broker.append(P1, "b1");

    start(Duration.ofDays(1), this::record);

    assertThat(applied).containsExactlyInAnyOrder("a1", "b1");
  }

  @Test
  void consumerFailure_isRetriedFromTheFollowersPosition_andEveryRecordIsAppliedOnce()
      throws Exception {
    broker.append(P0, "a0", "a1");
    broker.append(P1, "b0");
    start(this::record);
    assertThat(applied).containsExactlyInAnyOrder("a0", "a1", "b0");

    broker
        .consumers
        .get(0)
        .setPollException(new KafkaException("injected: the broker connection broke"));
    broker.append(P0, "a2");
    broker.append(P1, "b1", "b2");

    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(applied).hasSize(6));
    assertThat(applied).containsExactlyInAnyOrder("a0", "a1", "b0", "a2", "b1", "b2");
    assertThat(applied.stream().filter(v -> v.startsWith("a"))).containsExactly("a0", "a1", "a2");
    assertThat(applied.stream().filter(v -> v.startsWith("b"))).containsExactly("b0", "b1", "b2");
    assertThat(follower.caughtUp()).isTrue();
    Thread.sleep(300);
    assertThat(applied).as("nothing applied twice").hasSize(6);
  }

  @Test
  void handlerFailure_skipsThatRecord_andTheFollowerGoesOn() throws Exception {
    broker.append(P0, "a0", "poison", "a2");
    start(
        r -> {
          if (new String(r.value(), StandardCharsets.UTF_8).equals("poison")) {
            throw new IllegalStateException("injected: a record the handler cannot take");
          }
          record(r);
        });

    broker.append(P0, "a3");
    broker.append(P1, "b0");

    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(applied).containsExactlyInAnyOrder("a0", "a2", "a3", "b0"));
    assertThat(follower.caughtUp()).isTrue();
  }
}
