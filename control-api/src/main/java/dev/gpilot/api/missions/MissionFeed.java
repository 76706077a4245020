package dev.gpilot.api.missions;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionSubmitted;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 * One consumer thread per API instance that reads the missions and events topics from the beginning into the
 * {@link MissionStore} and fans events out to open streams in memory. It uses no consumer group: every instance
 * reads every partition.
 */
public final class MissionFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MissionFeed.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private final MissionStore store;
  private final JsonCodec<MissionEvent> events = JsonCodec.of(MissionEvent.class);
  private final JsonCodec<MissionSubmitted> submissions = JsonCodec.of(MissionSubmitted.class);
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean running = true;

  public MissionFeed(String bootstrapServers, MissionStore store) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.store = store;
    this.thread = new Thread(this::run, "mission-feed");
    this.thread.setDaemon(true);
  }

  public void start() {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(Topics.MISSIONS, Topics.MISSION_EVENTS)) {
      consumer.partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread.start();
  }

  /** Waits until everything that was in the topics when the feed started has been read. */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public boolean caughtUp() {
    return caughtUp.getCount() == 0;
  }

  private void run() {
    try {
      Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          apply(record);
        }
        if (caughtUp.getCount() > 0 && end.entrySet().stream()
            .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
          LOG.info("mission feed caught up: {} missions known", store.size());
          caughtUp.countDown();
        }
      }
    } catch (WakeupException e) {
      if (running) {
        throw e;
      }
    } catch (RuntimeException e) {
      LOG.error("mission feed stopped", e);
      throw e;
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      return;
    }
    try {
      if (record.topic().equals(Topics.MISSION_EVENTS)) {
        store.onEvent(events.decode(record.value()));
      } else {
        store.onSubmitted(submissions.decode(record.value()));
      }
    } catch (CodecException e) {
      LOG.warn("skipping invalid record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
          e.getMessage());
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(10_000);
  }
}
