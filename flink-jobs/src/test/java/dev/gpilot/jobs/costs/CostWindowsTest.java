package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.StreamOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The 1-minute windows on Flink's operator harness: totals, late corrections, stragglers. */
class CostWindowsTest {
  static final long MINUTE = 60_000;
  static final long T0 = 1_790_000_000_000L - Math.floorMod(1_790_000_000_000L, MINUTE);

  private KeyedOneInputStreamOperatorTestHarness<String, CostSlice, CostRollup> harness;

  @BeforeEach
  void setUp() throws Exception {
    CostOptions options =
        CostOptions.DEFAULTS.withEventTime(
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMinutes(2));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<CostSlice> input =
        env.fromData(
            List.of(CostSlice.of(tagged("m", "s", 1, "a", "x", 0, T0, true))), CostPipeline.SLICE);
    @SuppressWarnings("unchecked")
    OneInputTransformation<CostSlice, CostRollup> windows =
        (OneInputTransformation<CostSlice, CostRollup>)
            CostPipeline.windows(input, options).getTransformation();
    StreamOperatorFactory<CostRollup> factory = windows.getOperatorFactory();
    harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            factory, new CostWindows.ByAgentModel(), Types.STRING);
    harness.setup(CostPipeline.ROLLUP.createSerializer(env.getConfig().getSerializerConfig()));
    harness.open();
  }

  @AfterEach
  void tearDown() throws Exception {
    harness.close();
  }

  static TaggedCost tagged(
      String mission,
      String step,
      int attempt,
      String agent,
      String model,
      long cost,
      long finishedAt,
      boolean succeeded) {
    CostRecord r =
        new CostRecord(
            "w",
            mission,
            step,
            attempt,
            agent,
            model,
            succeeded,
            new Usage(100, 20, 5, 10),
            cost,
            "v1",
            finishedAt - 40,
            finishedAt);
    return new TaggedCost(r, attempt == 1, attempt == 1);
  }

  private void add(TaggedCost t) throws Exception {
    harness.processElement(new StreamRecord<>(CostSlice.of(t), t.record().finishedAt()));
  }

  private List<CostRollup> rollups() {
    List<CostRollup> out = new ArrayList<>();
    for (Object o : harness.getOutput()) {
      if (o instanceof StreamRecord<?> r) {
        out.add((CostRollup) r.getValue());
      }
    }
    return out;
  }

  @Test
  void window_firesOnceTheWatermarkPassesItsEnd_withTotalsPerAgentAndModel() throws Exception {
    add(tagged("m1", "s1", 1, "agent-a", "gem", 1_000, T0 + 1_000, true));
    add(tagged("m1", "s2", 1, "agent-a", "gem", 2_500, T0 + 59_999, false));
    add(tagged("m2", "s1", 1, "agent-b", "gem", 7, T0 + 30_000, true));
    add(tagged("m3", "s1", 1, "agent-a", "gem", 11, T0 + MINUTE, true));
    harness.processWatermark(new Watermark(T0 + MINUTE - 2));
    assertThat(rollups()).isEmpty();

    harness.processWatermark(new Watermark(T0 + MINUTE - 1));

    List<CostRollup> fired = rollups();
    assertThat(fired).hasSize(2);
    CostRollup a =
        fired.stream().filter(r -> r.agent().equals("agent-a")).findFirst().orElseThrow();
    assertThat(a.windowStart()).isEqualTo(T0);
    assertThat(a.model()).isEqualTo("gem");
    assertThat(a.slice()).isEmpty();
    assertThat(a.totals().costMicros).isEqualTo(3_500);
    assertThat(a.totals().steps).isEqualTo(2);
    assertThat(a.totals().errors).isEqualTo(1);
    assertThat(a.totals().missions).isEqualTo(2);
    assertThat(a.totals().promptTokens).isEqualTo(200);
    assertThat(a.totals().cachedTokens).isEqualTo(20);
    assertThat(a.totals().latencySumMs).isEqualTo(80);
    assertThat(a.totals().latencyMaxMs).isEqualTo(40);
    assertThat(a.version()).isEqualTo(2);
  }

  @Test
  void lateRecordWithinTheAllowedLateness_firesTheWindowAgainWithCorrectedTotalsAndAHigherVersion()
      throws Exception {
    add(tagged("m1", "s1", 1, "agent-a", "gem", 1_000, T0 + 1_000, true));
    harness.processWatermark(new Watermark(T0 + MINUTE + 5_000));
    add(tagged("m1", "s2", 1, "agent-a", "gem", 500, T0 + 2_000, true));

    List<CostRollup> fired = rollups();
    assertThat(fired).hasSize(2);
    assertThat(fired.get(0).totals().costMicros).isEqualTo(1_000);
    assertThat(fired.get(1).totals().costMicros).isEqualTo(1_500);
    assertThat(fired.get(1).version()).isGreaterThan(fired.get(0).version());
    assertThat(fired.get(1).windowStart()).isEqualTo(fired.get(0).windowStart());
    assertThat(harness.getSideOutput(CostPipeline.STRAGGLERS)).isNull();
  }

  @Test
  void recordLaterThanTheAllowedLateness_goesToTheStragglers_notLost() throws Exception {
    add(tagged("m1", "s1", 1, "agent-a", "gem", 1_000, T0 + 1_000, true));
    harness.processWatermark(new Watermark(T0 + 4 * MINUTE));
    add(tagged("m1", "s2", 1, "agent-a", "gem", 500, T0 + 2_000, true));

    assertThat(rollups()).hasSize(1);
    List<CostSlice> late = new ArrayList<>();
    harness.getSideOutput(CostPipeline.STRAGGLERS).forEach(r -> late.add(r.getValue()));
    assertThat(late).hasSize(1);
    CostRollup straggler = CostRollup.straggler(late.get(0));
    assertThat(straggler.slice()).isEqualTo("m1/s2/1");
    assertThat(straggler.windowStart()).isEqualTo(T0);
    assertThat(straggler.totals().costMicros).isEqualTo(500);
  }
}
