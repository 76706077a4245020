package dev.gpilot.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.mission.MissionSubmitted;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.Collector;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The job's reading of {@code gpilot.missions.v1}, which integrations may write (SPEC section 3): a
 * record that reads as a {@code MissionSubmitted} runs, leniently (unknown fields ignored);
 * anything else is counted in {@code invalidRecords} and skipped, never a reason to fail the job.
 */
class ContractDeserializerTest {
  private final SimpleCounter invalid = new SimpleCounter();
  private final List<String> counters = new ArrayList<>();
  private final ContractDeserializer<MissionSubmitted, SchedulerInput> missions =
      ContractDeserializer.missions();

  ContractDeserializerTest() throws Exception {
    MetricGroup group =
        new UnregisteredMetricsGroup() {
          @Override
          public Counter counter(String name) {
            counters.add(name);
            return invalid;
          }
        };
    missions.open(
        new DeserializationSchema.InitializationContext() {
          @Override
          public MetricGroup getMetricGroup() {
            return group;
          }

          @Override
          public UserCodeClassLoader getUserCodeClassLoader() {
            return null;
          }
        });
  }

  private List<SchedulerInput> read(String... values) throws Exception {
    List<SchedulerInput> out = new ArrayList<>();
    Collector<SchedulerInput> collector =
        new Collector<>() {
          @Override
          public void collect(SchedulerInput record) {
            out.add(record);
          }

          @Override
          public void close() {}
        };
    long offset = 0;
    for (String value : values) {
      byte[] bytes = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
      missions.deserialize(
          new ConsumerRecord<>(
              "gpilot.missions.v1", 0, offset++, "m".getBytes(StandardCharsets.UTF_8), bytes),
          collector);
    }
    return out;
  }

  private static String submitted(String missionId, String extra) {
    return "{\"type\": \"mission.submitted\", \"version\": 1, \"id\": \""
        + missionId
        + "\", \"missionId\": \""
        + missionId
        + "\", \"workspaceId\": \"default\", \"ts\": 1764100000000, \"mission\": \"Plan a launch\""
        + extra
        + "}";
  }

  @Test
  void aValidRecord_isPassedOn_unknownFieldsAndAnyPlannerIgnored() throws Exception {
    List<SchedulerInput> out =
        read(
            submitted("m1", ", \"submittedBy\": \"crm-sync\""),
            submitted("m2", ", \"priority\": \"high\", \"config\": {\"planner\": \"magic\"}"));

    assertThat(out).hasSize(2);
    assertThat(((SchedulerInput.Submitted) out.get(0)).mission().missionId()).isEqualTo("m1");
    assertThat(((SchedulerInput.Submitted) out.get(0)).mission().submittedBy())
        .isEqualTo("crm-sync");
    assertThat(out.get(1).missionId()).isEqualTo("m2");
    assertThat(((SchedulerInput.Submitted) out.get(1)).mission().config().planner())
        .as("the job is lenient; the API is not")
        .isEqualTo("magic");
    assertThat(invalid.getCount()).isZero();
    assertThat(counters).containsExactly("invalidRecords");
  }

  @Test
  void invalidRecords_areCountedAndSkipped_tombstonesAreNeitherPassedNorCounted() throws Exception {
    List<SchedulerInput> out =
        read(
            "not json",
            null,
            submitted("", ""),
            "{\"missionId\": \"m3\", \"workspaceId\": \"default\"}",
            "[1,2]",
            submitted("m4", ""));

    assertThat(out).hasSize(1);
    assertThat(out.get(0).missionId()).isEqualTo("m4");
    assertThat(invalid.getCount()).isEqualTo(4);
  }
}
