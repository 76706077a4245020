package dev.gpilot.jobs.costs;

import static dev.gpilot.jobs.costs.CostWindowsTest.MINUTE;
import static dev.gpilot.jobs.costs.CostWindowsTest.T0;
import static dev.gpilot.jobs.costs.CostWindowsTest.tagged;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

/**
 * A replay's totals on Flink's operator harness: nothing until the input ends, then exact sums in
 * the job's accumulator.
 */
class ReplaySumsTest {

  @Test
  void sumsAttemptsAndCostPerAgentAndModel_onceTheInputEnds() throws Exception {
    try (var h = new OneInputStreamOperatorTestHarness<TaggedCost, Void>(new ReplaySums())) {
      h.open();
      Random random = new Random(7);
      long[] a = new long[2];
      long[] b = new long[2];
      for (int i = 0; i < 1_000; i++) {
        long cost = random.nextInt(1_000_000);
        boolean toA = random.nextBoolean();
        h.processElement(
            new StreamRecord<>(
                tagged("m" + i, "s1", 1, toA ? "agent-a" : "agent-b", "gem", cost, T0 + i, true)));
        long[] sums = toA ? a : b;
        sums[0]++;
        sums[1] += cost;
      }
      h.processElement(
          new StreamRecord<>(tagged("m0", "s2", 1, "agent-a", null, 5, T0 + MINUTE, false)));
      Accumulator<?, ?> sums =
          h.getEnvironment().getAccumulatorRegistry().getUserMap().get(ReplaySums.ACCUMULATOR);
      assertThat(sums.getLocalValue())
          .asInstanceOf(InstanceOfAssertFactories.LIST)
          .as("nothing before the end of the input")
          .isEmpty();

      h.endInput();
      h.getOneInputOperator().finish(); // what the task does after the end of the input

      assertThat(sums.getLocalValue())
          .asInstanceOf(InstanceOfAssertFactories.LIST)
          .containsExactlyInAnyOrder(
              new ReplaySums.Sum("agent-a", "gem", a[0], a[1]),
              new ReplaySums.Sum("agent-b", "gem", b[0], b[1]),
              new ReplaySums.Sum("agent-a", "", 1, 5));
      assertThat(h.getOutput()).as("the operator sends nothing downstream").isEmpty();
    }
  }
}
