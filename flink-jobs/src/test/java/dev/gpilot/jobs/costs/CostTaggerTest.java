package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class CostTaggerTest {
  static CostRecord record(String mission, String step, int attempt, String agent, String model) {
    return new CostRecord(
        "w", mission, step, attempt, agent, model, true, Usage.ZERO, 10, null, 1, 2);
  }

  @Test
  void resentRecord_isDropped_andEachMissionIsMarkedOncePerAgentAndPerAgentModel()
      throws Exception {
    try (var harness =
        new KeyedOneInputStreamOperatorTestHarness<String, CostRecord, TaggedCost>(
            new KeyedProcessOperator<>(new CostTagger(Duration.ofDays(1))),
            CostRecord::missionId,
            Types.STRING)) {
      harness.open();
      for (CostRecord r :
          List.of(
              record("m1", "s1", 1, "a", "x"),
              record("m1", "s1", 1, "a", "x"),
              record("m1", "s1", 2, "a", "x"),
              record("m1", "s2", 1, "a", "y"),
              record("m2", "s1", 1, "a", "x"))) {
        harness.processElement(new StreamRecord<>(r, 2));
      }
      List<TaggedCost> out = harness.extractOutputValues();
      assertThat(out)
          .extracting(t -> t.record().id())
          .containsExactly("m1/s1/1", "m1/s1/2", "m1/s2/1", "m2/s1/1");
      assertThat(out).extracting(TaggedCost::newMission).containsExactly(true, false, true, true);
      assertThat(out)
          .extracting(TaggedCost::newAgentMission)
          .containsExactly(true, false, false, true);
    }
  }

  @Test
  void afterARestore_whatWasSeenBeforeIsStillDropped_andMissionsAreStillMarkedOnce()
      throws Exception {
    OperatorSubtaskState snapshot;
    try (var harness = rocksDbHarness()) {
      harness.open();
      harness.processElement(new StreamRecord<>(record("m1", "s1", 1, "a", "x"), 2));
      harness.processElement(new StreamRecord<>(record("m1", "s2", 1, "a", "x"), 2));
      snapshot = harness.snapshot(1, 3);
    }
    try (var restored = rocksDbHarness()) {
      restored.initializeState(snapshot);
      restored.open();
      for (CostRecord r :
          List.of(
              record("m1", "s1", 1, "a", "x"),
              record("m1", "s2", 1, "a", "x"),
              record("m1", "s3", 1, "a", "x"),
              record("m1", "s3", 1, "a", "x"),
              record("m1", "s4", 1, "b", "x"))) {
        restored.processElement(new StreamRecord<>(r, 4));
      }
      List<TaggedCost> out = restored.extractOutputValues();
      assertThat(out).extracting(t -> t.record().id()).containsExactly("m1/s3/1", "m1/s4/1");
      assertThat(out).extracting(TaggedCost::newMission).containsExactly(false, true);
      assertThat(out).extracting(TaggedCost::newAgentMission).containsExactly(false, true);
    }
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, CostRecord, TaggedCost>
      rocksDbHarness() throws Exception {
    var harness =
        new KeyedOneInputStreamOperatorTestHarness<String, CostRecord, TaggedCost>(
            new KeyedProcessOperator<>(new CostTagger(Duration.ofDays(1))),
            CostRecord::missionId,
            Types.STRING);
    harness.setStateBackend(new EmbeddedRocksDBStateBackend());
    return harness;
  }
}
