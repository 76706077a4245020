package dev.gpilot.api.streams;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The fan-out's client side in several node processes: their samples are merged before the
 * percentiles are taken, so the numbers are those of one process that would have received all.
 */
class StreamBenchMergeTest {

  /** What bench-streams.mjs prints for one round (the fields the merge reads). */
  private static JsonNode process(List<Long> latencies, List<Long> gcPauses, int streams) {
    ObjectNode p = Json.mapper().createObjectNode();
    p.put("streams", streams);
    p.put("streamsWithProblems", 0);
    p.put("protocolErrors", 1);
    p.putArray("problems").add("m#" + streams + ": a problem");
    p.put("chunks", 10 * streams);
    p.put("clientCpuPercentOfOneCore", 30);
    p.put("receiveMs", 1000 + streams);
    p.put("wallMs", 2000 + streams);
    p.putObject("clientEventLoopDelayMs").put("p50", streams).put("p99", 2 * streams).put("max", 9);
    ObjectNode histogram = Json.mapper().createObjectNode();
    latencies.forEach(v -> histogram.put(String.valueOf(v), histogram.path(v + "").asLong() + 1));
    ObjectNode samples = p.putObject("samples");
    samples.set("kafkaToClientMs", histogram);
    gcPauses.forEach(samples.withArray("clientGcPausesMs")::add);
    return p;
  }

  @Test
  void percentilesOverAllProcesses_areThoseOfAllTheirSamplesTogether() {
    Random random = new Random(7);
    List<Long> all = new ArrayList<>();
    List<JsonNode> processes = new ArrayList<>();
    for (int p = 0; p < 3; p++) {
      List<Long> mine = new ArrayList<>();
      // Different distributions per process: merging percentiles instead of samples would differ.
      for (int i = 0; i < 1000 * (p + 1); i++) {
        mine.add((long) (random.nextInt(10) + (p == 2 && i % 10 == 0 ? 200 : 0)));
      }
      all.addAll(mine);
      processes.add(process(mine, List.of(5L * (p + 1)), 100 * (p + 1)));
    }

    ObjectNode merged = StreamBench.mergeClients(processes);

    TreeMap<Long, Long> histogram = new TreeMap<>();
    all.forEach(v -> histogram.merge(v, 1L, Long::sum));
    List<Long> sorted = all.stream().sorted().toList();
    JsonNode latency = merged.get("kafkaToClientMs");
    assertThat(latency.get("count").asLong()).isEqualTo(6000);
    for (int q : new int[] {50, 95, 99}) {
      long expected = sorted.get((int) Math.ceil(q / 100.0 * sorted.size()) - 1);
      assertThat(latency.get("p" + q).asLong()).as("p" + q).isEqualTo(expected);
    }
    assertThat(latency.get("max").asLong()).isEqualTo(sorted.get(sorted.size() - 1));
    assertThat(merged.get("streams").asLong()).isEqualTo(600);
    assertThat(merged.get("protocolErrors").asLong()).isEqualTo(3);
    assertThat(merged.get("problems")).hasSize(3);
    assertThat(merged.get("chunks").asLong()).isEqualTo(6000);
    assertThat(merged.get("clientCpuPercentOfOneCore").asLong()).isEqualTo(90);
    assertThat(merged.get("receiveMs").asLong()).as("the slowest process").isEqualTo(1300);
    assertThat(merged.get("clientEventLoopDelayMs").get("p99").asDouble()).isEqualTo(600);
    assertThat(merged.get("clientGcPausesMs").get("total").asLong()).isEqualTo(30);
    assertThat(merged.get("clientProcessCount").asInt()).isEqualTo(3);
    assertThat(merged.get("clientProcesses")).hasSize(3);
    assertThat(merged.has("samples")).as("the raw samples are not printed").isFalse();
  }

  @Test
  void noSamples_giveZeros() {
    JsonNode p = StreamBench.percentiles(new TreeMap<>());
    assertThat(p.get("count").asLong()).isZero();
    assertThat(p.get("p99").asLong()).isZero();
  }
}
