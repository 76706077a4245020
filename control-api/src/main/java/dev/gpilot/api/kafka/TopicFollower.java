package dev.gpilot.api.kafka;

import dev.gpilot.contracts.kafka.KafkaClientConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads topics from their beginning (or from a look-back: the records written since a time) and
 * keeps following them, on one thread, without a consumer group (every API instance reads every
 * partition), handing each record to its feed. It tells when it has read what the topics held when
 * it started, and how far it has read.
 *
 * <p>It survives failures. A record its handler throws on is logged and skipped: the handler works
 * in memory, so a retry would fail the same way and hold up every record behind it. A failure of
 * the consumer (the broker, the network, a bad fetch) closes it; after a backoff ({@value
 * #MIN_BACKOFF_MS} ms doubling to {@value #MAX_BACKOFF_MS} ms) a new one resumes from the
 * follower's position, so no record is applied twice or lost.
 */
public final class TopicFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);
  static final long MIN_BACKOFF_MS = 100;
  static final long MAX_BACKOFF_MS = 5_000;

  /** How often it reads the topics' ends, to know it is caught up and that Kafka answers. */
  static final Duration END_CHECK_INTERVAL = Duration.ofSeconds(1);

  static final Duration END_CHECK_TIMEOUT = Duration.ofSeconds(2);

  private final String name;
  private final List<String> topics;
  // Null: from the beginning of the topics.
  private final Duration lookback;
  private final Supplier<org.apache.kafka.clients.consumer.Consumer<String, byte[]>> consumers;
  private final Consumer<ConsumerRecord<String, byte[]>> apply;
  private final Runnable onCaughtUp;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  // The next offset to read per partition: every record below it has been applied (or skipped).
  private final Map<TopicPartition, Long> positions = new HashMap<>();
  private final Thread thread;
  private final List<TopicPartition> partitions = new ArrayList<>();
  // Used by the follower's thread only (and by start(), before the thread starts); close() may wake
  // it up.
  private volatile org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer;
  // The topics' ends read at targetReadAt (nanoTime): once applied, the follower was caught up as
  // of then.
  private Map<TopicPartition, Long> target;
  private long targetReadAt;
  private long lastEndCheck;
  private volatile long caughtUpAsOf = Long.MIN_VALUE;
  private volatile String kafkaProblem;
  private volatile boolean running = true;
  private volatile long failures;
  private volatile long skippedRecords;

  /**
   * @param name the thread's name
   * @param settings consumer settings besides the servers, no auto commit and reading from the
   *     earliest offset
   * @param apply takes each record, on the follower's thread
   * @param onCaughtUp runs once, on the follower's thread, when what the topics held at the start
   *     has been applied
   */
  public TopicFollower(
      String name,
      String bootstrapServers,
      Map<String, String> settings,
      List<String> topics,
      Consumer<ConsumerRecord<String, byte[]>> apply,
      Runnable onCaughtUp) {
    this(name, bootstrapServers, settings, topics, null, apply, onCaughtUp);
  }

  /**
   * @param lookback where it starts: at the first record of each partition written (by its
   *     timestamp) no longer than this before {@link #start}; null for the beginning
   */
  public TopicFollower(
      String name,
      String bootstrapServers,
      Map<String, String> settings,
      List<String> topics,
      Duration lookback,
      Consumer<ConsumerRecord<String, byte[]>> apply,
      Runnable onCaughtUp) {
    this(name, consumers(bootstrapServers, settings), topics, lookback, apply, onCaughtUp);
  }

  /** With the consumers it reads with (a new one after each failure). */
  TopicFollower(
      String name,
      Supplier<org.apache.kafka.clients.consumer.Consumer<String, byte[]>> consumers,
      List<String> topics,
      Duration lookback,
      Consumer<ConsumerRecord<String, byte[]>> apply,
      Runnable onCaughtUp) {
    this.name = name;
    this.topics = List.copyOf(topics);
    this.lookback = lookback;
    this.consumers = consumers;
    this.apply = apply;
    this.onCaughtUp = onCaughtUp;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  private static Supplier<org.apache.kafka.clients.consumer.Consumer<String, byte[]>> consumers(
      String bootstrapServers, Map<String, String> settings) {
    Properties props = new Properties();
    props.putAll(settings);
    props.putAll(KafkaClientConfigs.followingConsumer(bootstrapServers));
    return () -> new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * Assigns every partition of the topics, from the beginning or the look-back, and starts
   * following them.
   *
   * @throws org.apache.kafka.common.KafkaException when the topics cannot be described (then
   *     nothing started)
   */
  public void start() {
    consumer = consumers.get();
    try {
      for (String topic : topics) {
        consumer
            .partitionsFor(topic, Duration.ofSeconds(30))
            .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      }
      consumer.assign(partitions);
      if (lookback == null) {
        consumer.seekToBeginning(partitions);
      } else {
        seekToLookback();
      }
      targetReadAt = System.nanoTime();
      lastEndCheck = targetReadAt;
      target = consumer.endOffsets(partitions);
    } catch (RuntimeException e) {
      consumer.close(Duration.ZERO);
      throw e;
    }
    thread.start();
  }

  /**
   * Positions the consumer at each partition's first record written within the look-back (the end,
   * for a partition with none), and takes those offsets as read: the records before them are
   * skipped, also by a consumer that replaces a failed one.
   */
  private void seekToLookback() {
    long since = System.currentTimeMillis() - lookback.toMillis();
    Map<TopicPartition, Long> query = new HashMap<>();
    partitions.forEach(tp -> query.put(tp, since));
    Map<TopicPartition, OffsetAndTimestamp> found =
        consumer.offsetsForTimes(query, Duration.ofSeconds(30));
    List<TopicPartition> none = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      OffsetAndTimestamp first = found.get(tp);
      if (first == null) {
        none.add(tp);
      } else {
        consumer.seek(tp, first.offset());
      }
    }
    if (!none.isEmpty()) { // an empty list would mean every partition
      consumer.seekToEnd(none);
    }
    synchronized (positions) {
      for (TopicPartition tp : partitions) {
        positions.put(tp, consumer.position(tp, Duration.ofSeconds(30)));
      }
    }
  }

  /** Waits until everything that was in the topics when the follower started has been applied. */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether it has caught up once and is still following. */
  public boolean caughtUp() {
    return caughtUp.getCount() == 0 && running;
  }

  /**
   * How the follower is doing.
   *
   * @param caughtUpOnce whether it has applied what the topics held when it started
   * @param sinceCaughtUp how long ago the topics' ends it has applied everything below were read
   *     (null before the first time): the age of what it knows
   * @param kafkaProblem why the last attempt to read the topics' ends failed; null when it
   *     succeeded
   * @param failures how often its consumer failed and was replaced
   */
  public record Health(
      boolean caughtUpOnce, Duration sinceCaughtUp, String kafkaProblem, long failures) {}

  public Health health() {
    long asOf = caughtUpAsOf;
    Duration since = asOf == Long.MIN_VALUE ? null : Duration.ofNanos(System.nanoTime() - asOf);
    return new Health(caughtUp.getCount() == 0, since, kafkaProblem, failures);
  }

  /** How often its consumer failed (and was replaced) since the start. */
  public long failures() {
    return failures;
  }

  /** How many records its handler threw on (they were skipped). */
  public long skippedRecords() {
    return skippedRecords;
  }

  /**
   * Waits until every record below the given offsets has been applied.
   *
   * @return false when that did not happen within {@code timeout}, or the follower stopped
   */
  public boolean awaitPositions(Map<TopicPartition, Long> offsets, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (positions) {
      while (!offsets.entrySet().stream()
          .allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0 || !running) {
          return false;
        }
        positions.wait(Math.min(left, 100));
      }
      return true;
    }
  }

  private void run() {
    long backoff = MIN_BACKOFF_MS;
    while (running) {
      try {
        if (consumer == null) {
          consumer = resumed();
        }
        pollOnce();
        backoff = MIN_BACKOFF_MS;
      } catch (WakeupException e) {
        if (running) {
          LOG.warn("{}: unexpected wakeup; going on", name);
        }
      } catch (RuntimeException e) {
        failures++;
        kafkaProblem = "reading failed: " + e;
        LOG.warn(
            "{}: reading failed ({}); retrying in {} ms from where it was",
            name,
            e.toString(),
            backoff);
        closeConsumer(Duration.ZERO);
        try {
          if (stopped.await(backoff, TimeUnit.MILLISECONDS)) {
            break;
          }
        } catch (InterruptedException interrupted) {
          break;
        }
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
    closeConsumer(Duration.ofSeconds(5));
  }

  /**
   * A new consumer positioned where the last one left off (from the beginning where it had read
   * nothing).
   */
  private org.apache.kafka.clients.consumer.Consumer<String, byte[]> resumed() {
    org.apache.kafka.clients.consumer.Consumer<String, byte[]> fresh = consumers.get();
    try {
      fresh.assign(partitions);
      List<TopicPartition> unread = new ArrayList<>();
      synchronized (positions) {
        for (TopicPartition tp : partitions) {
          Long next = positions.get(tp);
          if (next == null) {
            unread.add(tp);
          } else {
            fresh.seek(tp, next);
          }
        }
      }
      if (!unread.isEmpty()) {
        // Only these: KafkaConsumer reads an empty list as every assigned partition, which undid
        // the seeks above and read the topics again from the beginning after every failure.
        fresh.seekToBeginning(unread);
      }
      return fresh;
    } catch (RuntimeException e) {
      fresh.close(Duration.ZERO);
      throw e;
    }
  }

  private void pollOnce() {
    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
      try {
        apply.accept(record);
      } catch (RuntimeException e) {
        skippedRecords++;
        LOG.error(
            "{}: skipping record {}-{}@{}, its handler failed",
            name,
            record.topic(),
            record.partition(),
            record.offset(),
            e);
      }
    }
    synchronized (positions) {
      for (TopicPartition tp : partitions) {
        positions.put(tp, consumer.position(tp));
      }
      positions.notifyAll();
    }
    long now = System.nanoTime();
    if (now - lastEndCheck >= END_CHECK_INTERVAL.toNanos()) {
      lastEndCheck = now;
      try {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, END_CHECK_TIMEOUT);
        kafkaProblem = null;
        if (target == null) {
          // A target not reached yet stays: the follower is caught up as of when it was read, once
          // it is.
          target = end;
          targetReadAt = now;
        }
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        // Not a failure of the consumer (it reconnects by itself); /health tells, as the caught-up
        // time ages.
        kafkaProblem = "Kafka did not answer within " + END_CHECK_TIMEOUT.toSeconds() + " s";
      }
    }
    if (target != null && reached(target)) {
      caughtUpAsOf = targetReadAt;
      target = null;
      if (caughtUp.getCount() > 0) {
        onCaughtUp.run();
        caughtUp.countDown();
      }
    }
  }

  /** Whether every record below these offsets has been applied. */
  private boolean reached(Map<TopicPartition, Long> offsets) {
    synchronized (positions) {
      return offsets.entrySet().stream()
          .allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }
  }

  private void closeConsumer(Duration timeout) {
    if (consumer != null) {
      try {
        consumer.close(timeout);
      } catch (RuntimeException e) {
        LOG.debug("{}: closing its consumer failed: {}", name, e.toString());
      }
      consumer = null;
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    stopped.countDown();
    org.apache.kafka.clients.consumer.Consumer<String, byte[]> current = consumer;
    if (current != null) {
      try {
        current.wakeup();
      } catch (RuntimeException e) {
        // already closed by the follower's thread
      }
    }
    thread.join(10_000);
  }
}
