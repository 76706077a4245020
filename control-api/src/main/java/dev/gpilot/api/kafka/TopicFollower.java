package dev.gpilot.api.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads topics from their beginning and keeps following them, on one thread, without a consumer group (every API
 * instance reads every partition), handing each record to its feed. It tells when it has read what the topics held
 * when it started, and how far it has read.
 */
public final class TopicFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);

  private final String name;
  private final List<String> topics;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Consumer<ConsumerRecord<String, byte[]>> apply;
  private final Runnable onCaughtUp;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final Map<TopicPartition, Long> positions = new HashMap<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean failed;

  /**
   * @param name the thread's name
   * @param settings consumer settings besides the servers, no auto commit and reading from the earliest offset
   * @param apply takes each record, on the follower's thread
   * @param onCaughtUp runs once, on the follower's thread, when what the topics held at the start has been applied
   */
  public TopicFollower(String name, String bootstrapServers, Map<String, String> settings, List<String> topics,
      Consumer<ConsumerRecord<String, byte[]>> apply, Runnable onCaughtUp) {
    Properties props = new Properties();
    props.putAll(settings);
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    this.name = name;
    this.topics = List.copyOf(topics);
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.apply = apply;
    this.onCaughtUp = onCaughtUp;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  /** Assigns every partition of the topics, from the beginning, and starts following them. */
  public void start() {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : topics) {
      consumer.partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread.start();
  }

  /** Waits until everything that was in the topics when the follower started has been applied. */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether it has caught up and is still following. */
  public boolean caughtUp() {
    return caughtUp.getCount() == 0 && !failed;
  }

  /**
   * Waits until every record below the given offsets has been applied.
   *
   * @return false when that did not happen within {@code timeout}, or the follower stopped
   */
  public boolean awaitPositions(Map<TopicPartition, Long> offsets, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (positions) {
      while (!offsets.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0 || failed) {
          return false;
        }
        positions.wait(Math.min(left, 100));
      }
      return true;
    }
  }

  private void run() {
    try {
      Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          apply.accept(record);
        }
        synchronized (positions) {
          for (TopicPartition tp : consumer.assignment()) {
            positions.put(tp, consumer.position(tp));
          }
          positions.notifyAll();
        }
        if (caughtUp.getCount() > 0
            && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
          onCaughtUp.run();
          caughtUp.countDown();
        }
      }
    } catch (WakeupException e) {
      if (running) {
        failed = true;
        throw e;
      }
    } catch (RuntimeException e) {
      failed = true;
      LOG.error("{} stopped", name, e);
      throw e;
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(10_000);
  }
}
