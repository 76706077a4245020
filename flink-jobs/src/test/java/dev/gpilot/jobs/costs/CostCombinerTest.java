package dev.gpilot.jobs.costs;

import static dev.gpilot.jobs.costs.CostWindowsTest.MINUTE;
import static dev.gpilot.jobs.costs.CostWindowsTest.T0;
import static dev.gpilot.jobs.costs.CostWindowsTest.tagged;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The local pre-aggregation on Flink's operator harness: what it holds, when it lets go, and that
 * sums stay exact.
 */
class CostCombinerTest {
  static final long LATENESS = 2 * MINUTE;

  private static OneInputStreamOperatorTestHarness<TaggedCost, CostSlice> harness(int maxKeys)
      throws Exception {
    var h =
        new OneInputStreamOperatorTestHarness<TaggedCost, CostSlice>(
            new CostCombiner(maxKeys, LATENESS));
    h.open();
    return h;
  }

  private static void add(OneInputStreamOperatorTestHarness<TaggedCost, CostSlice> h, TaggedCost t)
      throws Exception {
    h.processElement(new StreamRecord<>(t, t.record().finishedAt()));
  }

  private static List<CostSlice> slices(
      OneInputStreamOperatorTestHarness<TaggedCost, CostSlice> h) {
    return h.extractOutputValues();
  }

  @Test
  void addsUpPerAgentModelAndMinute_andLetsGoBeforeTheWatermarkPasses() throws Exception {
    try (var h = harness(1000)) {
      add(h, tagged("m1", "s1", 1, "agent-a", "gem", 1_000, T0 + 1_000, true));
      add(h, tagged("m1", "s2", 1, "agent-a", "gem", 2_500, T0 + 7_000, false));
      add(h, tagged("m2", "s1", 1, "agent-b", "gem", 7, T0 + 3_000, true));
      add(h, tagged("m3", "s1", 1, "agent-a", "gem", 11, T0 + MINUTE + 1, true));
      assertThat(h.getOutput())
          .as("nothing before a watermark, checkpoint or the key bound")
          .isEmpty();

      h.processWatermark(new Watermark(T0 + 500));

      List<Object> out = new ArrayList<>(h.getOutput());
      assertThat(out).hasSize(4);
      assertThat(out.get(3))
          .as("the watermark comes after the slices")
          .isEqualTo(new Watermark(T0 + 500));
      Map<String, StreamRecord<CostSlice>> byKey = new HashMap<>();
      for (Object o : out.subList(0, 3)) {
        @SuppressWarnings("unchecked")
        StreamRecord<CostSlice> r = (StreamRecord<CostSlice>) o;
        byKey.put(r.getValue().agent() + "@" + r.getValue().windowStart(), r);
      }
      StreamRecord<CostSlice> a = byKey.get("agent-a@" + T0);
      assertThat(a.getValue().totals().costMicros).isEqualTo(3_500);
      assertThat(a.getValue().totals().steps).isEqualTo(2);
      assertThat(a.getValue().totals().errors).isEqualTo(1);
      assertThat(a.getValue().totals().missions).isEqualTo(2);
      assertThat(a.getValue().totals().latencyMaxMs).isEqualTo(40);
      assertThat(a.getValue().recordId()).isNull();
      assertThat(a.getTimestamp()).as("the newest record's time").isEqualTo(T0 + 7_000);
      assertThat(byKey.get("agent-b@" + T0).getValue().totals().costMicros).isEqualTo(7);
      assertThat(byKey.get("agent-a@" + (T0 + MINUTE)).getValue().totals().costMicros)
          .isEqualTo(11);
    }
  }

  @Test
  void lateRecordsWithinTheAllowedLateness_areAddedUp_soTheirWindowFiresOnceForThem()
      throws Exception {
    try (var h = harness(1000)) {
      h.processWatermark(new Watermark(T0 + 10_000));
      add(h, tagged("m1", "s1", 1, "agent-a", "gem", 900, T0 + 2_000, true));
      add(h, tagged("m1", "s2", 1, "agent-a", "gem", 100, T0 + 3_000, true));
      assertThat(slices(h)).isEmpty();
      h.processWatermark(new Watermark(T0 + 11_000));
      assertThat(slices(h)).extracting(s -> s.totals().costMicros).containsExactly(1_000L);
      assertThat(slices(h).get(0).recordId()).isNull();
    }
  }

  @Test
  void aRecordFurtherBehindThanTheAllowedLateness_goesOnAloneWithItsId() throws Exception {
    try (var h = harness(1000)) {
      h.processWatermark(new Watermark(T0 + 2_000 + LATENESS));
      add(h, tagged("m1", "s1", 1, "agent-a", "gem", 900, T0 + 2_000, true));

      List<CostSlice> out = slices(h);
      assertThat(out).hasSize(1);
      assertThat(out.get(0).recordId()).isEqualTo("m1/s1/1");
      assertThat(out.get(0).totals().costMicros).isEqualTo(900);
      assertThat(CostRollup.straggler(out.get(0)).slice()).isEqualTo("m1/s1/1");
    }
  }

  @Test
  void aCheckpointBarrierFlushesEverything_soTheOperatorNeedsNoState() throws Exception {
    try (var h = harness(1000)) {
      add(h, tagged("m1", "s1", 1, "agent-a", "gem", 1_000, T0 + 1_000, true));
      h.prepareSnapshotPreBarrier(1);
      assertThat(slices(h)).extracting(s -> s.totals().costMicros).containsExactly(1_000L);
    }
  }

  @Test
  void holdsAtMostMaxKeys() throws Exception {
    try (var h = harness(2)) {
      add(h, tagged("m1", "s1", 1, "agent-a", "gem", 1, T0 + 1_000, true));
      assertThat(slices(h)).isEmpty();
      add(h, tagged("m1", "s2", 1, "agent-b", "gem", 2, T0 + 1_000, true));
      assertThat(slices(h)).hasSize(2);
    }
  }

  @Test
  void randomTraffic_slicesAddUpToTheRecordsToTheMicroCredit() throws Exception {
    Random random = new Random(7);
    String[] agents = {"agent-a", "agent-b", "agent-c"};
    Map<String, Long> expected = new HashMap<>();
    try (var h = harness(5)) {
      long watermark = T0;
      for (int i = 0; i < 5_000; i++) {
        String agent = agents[random.nextInt(agents.length)];
        long finishedAt = watermark - 3_000 + random.nextInt(20_000); // some behind the watermark
        long cost = random.nextInt(1_000_000);
        add(h, tagged("m" + i, "s", 1, agent, "gem", cost, finishedAt, true));
        expected.merge(agent, cost, Long::sum);
        if (random.nextInt(50) == 0) {
          watermark += random.nextInt(5_000);
          h.processWatermark(new Watermark(watermark));
        }
      }
      h.prepareSnapshotPreBarrier(1);
      Map<String, Long> actual = new HashMap<>();
      long steps = 0;
      for (CostSlice s : slices(h)) {
        actual.merge(s.agent(), s.totals().costMicros, Long::sum);
        steps += s.totals().steps;
      }
      assertThat(actual).isEqualTo(expected);
      assertThat(steps).isEqualTo(5_000);
      assertThat(slices(h).size()).as("fewer slices than records").isLessThan(5_000);
    }
  }
}
