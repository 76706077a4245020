package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.testing.Schemas;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streaming writer must say exactly what the contract's codec says, on any record. */
class CostRecordJsonTest {
  private static final JsonCodec<CostRecord> COSTS = JsonCodec.of(CostRecord.class);

  @Test
  void writesTheContractAsTheCodecDoes() throws Exception {
    Random random = new Random(7);
    for (int i = 0; i < 2_000; i++) {
      CostRecord record = CostRecord.of(randomResult(random, i));
      JsonNode written = Json.mapper().readTree(CostRecordJson.write(record));
      assertThat(written).isEqualTo(Json.mapper().readTree(COSTS.encode(record)));
      assertThat(Schemas.problems("cost-record.v1", written)).isEmpty();
      assertThat(COSTS.decode(CostRecordJson.write(record))).isEqualTo(record);
    }
  }

  static StepResult randomResult(Random random, int i) {
    boolean ok = random.nextBoolean();
    boolean model = random.nextInt(4) > 0;
    long prompt = random.nextInt(1_000_000);
    Usage usage =
        model
            ? new Usage(
                prompt,
                random.nextInt(50_000),
                random.nextInt(9_000),
                prompt == 0 ? 0 : random.nextLong(prompt + 1))
            : null;
    ObjectNode output = Json.mapper().createObjectNode().put("text", "ünïcode \"quoted\" " + i);
    output.putArray("items").add(i).add(random.nextDouble());
    long finished = 1_790_000_000_000L + random.nextInt(1_000_000_000);
    return new StepResult(
        "m-" + random.nextInt(1000) + "/x",
        "ws-" + (i % 5),
        "step-" + i % 7,
        1 + random.nextInt(4),
        random.nextInt(10) == 0 ? null : "agent-" + i % 6,
        ok,
        ok ? output : null,
        ok ? null : "failed: \"" + i + "\"",
        finished - random.nextInt(90_000) + (random.nextInt(20) == 0 ? 200_000 : 0),
        finished,
        model ? "gemini-2.5-" + (i % 2 == 0 ? "pro" : "flash") : null,
        usage,
        model ? random.nextLong(Long.MAX_VALUE / 4) : 0,
        model ? "2026-11/" + i % 3 : null,
        !ok && random.nextBoolean());
  }
}
