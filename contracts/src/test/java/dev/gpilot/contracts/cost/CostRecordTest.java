package dev.gpilot.contracts.cost;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.testing.Schemas;
import org.junit.jupiter.api.Test;

class CostRecordTest {
  @Test
  void failedAttemptWithUsage_becomesACostRecordWithTheStableIdAndMatchesItsSchema()
      throws Exception {
    StepResult failed =
        new StepResult(
            "m-1",
            "ws",
            "s2",
            3,
            "seo-analyst",
            false,
            null,
            "blocked",
            1_000,
            1_250,
            "gemini-2.5-flash",
            new Usage(1200, 30, 7, 100),
            4_321,
            "2026-01/flash",
            true);
    CostRecord record = CostRecord.of(failed);
    byte[] json = JsonCodec.of(CostRecord.class).encode(record);
    JsonNode tree = Json.mapper().readTree(json);

    assertThat(Schemas.problems("cost-record.v1", tree)).isEmpty();
    assertThat(tree.get("type").asText()).isEqualTo("cost.record");
    assertThat(tree.get("id").asText()).isEqualTo(failed.id()).isEqualTo("m-1/s2/3");
    assertThat(tree.get("latencyMs").asLong()).isEqualTo(250);
    assertThat(tree.get("usage").get("totalTokens").asLong()).isEqualTo(1237);
    assertThat(JsonCodec.of(CostRecord.class).decode(json)).isEqualTo(record);
  }

  @Test
  void stepResultJson_readsStraightIntoACostRecord_withoutModelAsZeroUsage() {
    StepResult ok =
        StepResult.succeeded(
            "m-2",
            "ws",
            "s1",
            1,
            "agent-scout",
            Json.mapper().createObjectNode().put("text", "done"),
            10,
            20);
    CostRecord read =
        JsonCodec.of(CostRecord.class).decode(JsonCodec.of(StepResult.class).encode(ok));

    assertThat(read).isEqualTo(CostRecord.of(ok));
    assertThat(read.usage()).isEqualTo(Usage.ZERO);
    assertThat(read.model()).isNull();
    assertThat(read.modelKey()).isEmpty();
    assertThat(Schemas.problems("cost-record.v1", read)).isEmpty();
  }
}
