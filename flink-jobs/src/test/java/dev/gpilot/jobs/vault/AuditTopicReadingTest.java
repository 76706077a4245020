package dev.gpilot.jobs.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.jobs.ingest.ContractDeserializer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.Collector;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The audit topic as the job copies it to ClickHouse: valid events pass, anything else is skipped.
 */
class AuditTopicReadingTest {
  private static final AuditEvent EVENT =
      AuditEvent.api("a1", "ws-a", 1_000, AuditEvent.SECRET_SET, "alice", "gemini", 2, 5, "abcd");

  private static List<AuditEvent> read(byte[]... values) {
    ContractDeserializer<AuditEvent, AuditEvent> deserializer = ContractDeserializer.auditEvents();
    deserializer.open(
        new DeserializationSchema.InitializationContext() {
          @Override
          public MetricGroup getMetricGroup() {
            return new UnregisteredMetricsGroup();
          }

          @Override
          public UserCodeClassLoader getUserCodeClassLoader() {
            return null;
          }
        });
    List<AuditEvent> out = new ArrayList<>();
    Collector<AuditEvent> collector =
        new Collector<>() {
          @Override
          public void collect(AuditEvent record) {
            out.add(record);
          }

          @Override
          public void close() {}
        };
    long offset = 0;
    for (byte[] value : values) {
      deserializer.deserialize(
          new ConsumerRecord<>("gpilot.audit.v1", 0, offset++, null, value), collector);
    }
    return out;
  }

  @Test
  void validEvents_passAsWritten_invalidOnesAndTombstonesAreSkipped() {
    byte[] valid = JsonCodec.of(AuditEvent.class).encode(EVENT);

    List<AuditEvent> out =
        read(
            "not json".getBytes(StandardCharsets.UTF_8),
            null,
            valid,
            "{\"type\":\"audit.event\"}".getBytes(StandardCharsets.UTF_8),
            valid);

    assertThat(out).containsExactly(EVENT, EVENT);
  }

  @Test
  void aResolvedKey_neverShowsTheKeyInItsText() {
    ResolvedKey key =
        new ResolvedKey("gemini", ResolvedKey.Source.WORKSPACE, 3, "f1f2", "AIza-secret-value");

    assertThat(key.revealForUse()).isEqualTo("AIza-secret-value");
    assertThat(key.toString()).doesNotContain("AIza").contains("gemini", "WORKSPACE", "3", "f1f2");
  }
}
