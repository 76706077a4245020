package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.step.StepResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.streaming.api.operators.StreamFlatMap;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class StepResultCostsTest {

  @Test
  void everyResultYieldsTheCostRecordOfItsAttempt_atItsFinishTime() throws Exception {
    Random random = new Random(42);
    List<StepResult> results = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      results.add(CostRecordJsonTest.randomResult(random, i));
    }
    try (var harness = harness()) {
      harness.open();
      for (StepResult r : results) {
        harness.processElement(new StreamRecord<>(r, IdleAdvancingWatermarks.eventTime(r)));
      }
      List<StreamRecord<? extends CostRecord>> out = harness.extractOutputStreamRecords();
      assertThat(out).hasSize(results.size());
      for (int i = 0; i < results.size(); i++) {
        StepResult r = results.get(i);
        CostRecord c = out.get(i).getValue();
        assertThat(c.id()).isEqualTo(r.missionId() + "/" + r.stepId() + "/" + r.attempt());
        assertThat(c.costMicros()).isEqualTo(r.costMicros());
        assertThat(c.usage()).isEqualTo(r.usage() == null ? Usage.ZERO : r.usage());
        assertThat(c.agent()).isEqualTo(r.agent() == null ? "" : r.agent());
        assertThat(out.get(i).getTimestamp()).isEqualTo(r.finishedAt()).isEqualTo(c.finishedAt());
      }
    }
  }

  @Test
  void aResultWithATimeNoCostRowHolds_costsNothing() throws Exception {
    StepResult tooLate = result(1_000, CostRecord.MAX_EPOCH_MS + 1);
    StepResult negative = result(-5, 2_000);
    StepResult fine = result(1_000, 2_000);
    assertThat(IdleAdvancingWatermarks.eventTime(tooLate)).isEqualTo(Long.MIN_VALUE);
    try (var harness = harness()) {
      harness.open();
      harness.processElement(new StreamRecord<>(tooLate, Long.MIN_VALUE));
      harness.processElement(new StreamRecord<>(negative, 2_000));
      harness.processElement(new StreamRecord<>(fine, 2_000));
      assertThat(harness.extractOutputValues()).containsExactly(CostRecord.of(fine));
    }
  }

  private static StepResult result(long startedAt, long finishedAt) {
    return new StepResult(
        "m",
        "ws",
        "s1",
        1,
        "writer",
        true,
        null,
        null,
        startedAt,
        finishedAt,
        "gemini-2.5-pro",
        new Usage(10, 5, 0, 0),
        1234,
        "v1",
        false);
  }

  private static OneInputStreamOperatorTestHarness<StepResult, CostRecord> harness()
      throws Exception {
    return new OneInputStreamOperatorTestHarness<>(new StreamFlatMap<>(new StepResultCosts()));
  }
}
