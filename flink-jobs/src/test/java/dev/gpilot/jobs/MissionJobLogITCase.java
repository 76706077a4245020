package dev.gpilot.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job's log as {@code ./gpilot up} writes it (the service logging configuration, {@code
 * infra/log4j2-service.properties}) while missions run and checkpoints complete: it says what went
 * wrong, and is not drowned in warnings that repeat on every checkpoint.
 */
class MissionJobLogITCase {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();

  /** Keeps the WARN and ERROR lines that reach the root logger's appenders. */
  static final class Captured extends AbstractAppender {
    final List<String> lines = new ArrayList<>();

    Captured() {
      super("captured", null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public synchronized void append(LogEvent event) {
      if (event.getLevel().isMoreSpecificThan(Level.WARN)) {
        lines.add(
            event.getLevel()
                + " "
                + event.getLoggerName()
                + " "
                + event.getMessage().getFormattedMessage());
      }
    }

    synchronized List<String> lines() {
      return List.copyOf(lines);
    }
  }

  @Test
  void
      runningJob_underTheServiceLogConfig_logsNoMetricNameCollisions_andNoWarningOnEveryCheckpoint()
          throws Exception {
    LoggerContext logging = (LoggerContext) LogManager.getContext(false);
    var testConfig = logging.getConfigLocation();
    logging.setConfigLocation(Path.of("../infra/log4j2-service.properties").toUri());
    Captured captured = new Captured();
    captured.start();
    logging.getConfiguration().getRootLogger().addAppender(captured, null, null);
    logging.updateLoggers();
    JobClient job = null;
    try {
      MissionJobOptions options =
          MissionJobOptions.of(KAFKA.bootstrapServers(), CLICKHOUSE.url(), CLICKHOUSE.database());
      // As gpilot up runs it (parallelism 2, RocksDB), with checkpoints every 200 ms instead of 2
      // s.
      Configuration conf =
          LocalMissionJob.localConfiguration(Files.createTempDirectory("chk"), 2, 0, 200);
      job = LocalMissionJob.start(options, conf);
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(
              KAFKA.clientProperties(), new StringSerializer(), new ByteArraySerializer())) {
        for (int i = 0; i < 3; i++) {
          String missionId = UUID.randomUUID().toString();
          MissionSubmitted mission =
              new MissionSubmitted(
                  missionId,
                  "default",
                  System.currentTimeMillis(),
                  "log check " + i,
                  new MissionConfig(
                      List.of("agent-scout", "seo-analyst"), null, null, null, null, null, null),
                  null,
                  null,
                  "test");
          producer
              .send(
                  new ProducerRecord<>(
                      Topics.MISSIONS,
                      missionId,
                      JsonCodec.of(MissionSubmitted.class).encode(mission)))
              .get();
        }
      }
      // About 40 checkpoints: a warning per checkpoint and sink task would show up well over 10
      // times.
      Thread.sleep(8_000);
    } finally {
      if (job != null) {
        JobClients.cancelAndAwait(job);
      }
      logging.getConfiguration().getRootLogger().removeAppender("captured");
      logging.setConfigLocation(testConfig);
    }

    List<String> warnings = captured.lines();
    assertThat(warnings).noneMatch(line -> line.contains("Name collision"));
    Map<String, Integer> repeated = new TreeMap<>();
    for (String line : warnings) {
      repeated.merge(line.replaceAll("\\d+", "N"), 1, Integer::sum);
    }
    repeated.values().removeIf(count -> count < 5);
    assertThat(repeated).as("warnings repeated while the job runs").isEmpty();
  }
}
