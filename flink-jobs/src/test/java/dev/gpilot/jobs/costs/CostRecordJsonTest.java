package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.testing.Schemas;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The streaming reader and writer must say exactly what the contracts' codecs say, on any record. */
class CostRecordJsonTest {
  private static final JsonCodec<StepResult> RESULTS = JsonCodec.of(StepResult.class);
  private static final JsonCodec<CostRecord> COSTS = JsonCodec.of(CostRecord.class);

  @Test
  void readsEveryStepResultAsTheCodecDoes() {
    Random random = new Random(42);
    for (int i = 0; i < 2_000; i++) {
      StepResult result = randomResult(random, i);
      byte[] json = RESULTS.encode(result);
      CostRecord read = CostRecordJson.readStepResult(json);
      assertThat(read).isEqualTo(CostRecord.of(result));
      if (result.agent() != null) {
        // The codec reading a step result as a cost record refuses one without an agent; CostRecord.of (and so
        // the pipeline) counts its cost under agent "".
        assertThat(read).isEqualTo(COSTS.decode(json));
      }
    }
  }

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

  @Test
  void skipsFieldsItDoesNotNeedWhateverTheyHold() {
    ObjectNode json = (ObjectNode) Json.mapper().valueToTree(randomResult(new Random(1), 3));
    json.putObject("output").putArray("deep").addObject().putObject("deeper").put("missionId", "not this one");
    json.put("future", "field");
    CostRecord read = CostRecordJson.readStepResult(json.toString().getBytes(StandardCharsets.UTF_8));
    assertThat(read.missionId()).isEqualTo(json.get("missionId").asText());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "[]",
      "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":\"1\"}",
      "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":null}",
      "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":1.5}",
      "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":0}",
      "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":1,\"attempt\":2}",
      "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":1,\"succeeded\":\"yes\"}",
      "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":1,\"costMicros\":-1}",
      // Times a ClickHouse DateTime cannot hold (the raw table's finished_at).
      "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":1,\"finishedAt\":-1}",
      "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":1,\"startedAt\":4294967296000}",
      "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":1,\"usage\":{\"promptTokens\":-3}}",
      "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":1,\"usage\":[]}",
      "{\"missionId\":7,\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":1}",
      "{\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":1}",
      "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":1} {}",
      "{\"missionId\":\"m\",\"workspaceId\":\"w\",\"stepId\":\"s\",\"attempt\":1",
      "not json"})
  void rejectsWhatTheCodecRejects(String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> COSTS.decode(bytes)).isInstanceOf(CodecException.class);
    assertThatThrownBy(() -> CostRecordJson.readStepResult(bytes)).isInstanceOf(CodecException.class)
        .hasMessageStartingWith("not a valid StepResult");
  }

  private static StepResult randomResult(Random random, int i) {
    boolean ok = random.nextBoolean();
    boolean model = random.nextInt(4) > 0;
    long prompt = random.nextInt(1_000_000);
    Usage usage = model ? new Usage(prompt, random.nextInt(50_000), random.nextInt(9_000),
        prompt == 0 ? 0 : random.nextLong(prompt + 1)) : null;
    ObjectNode output = Json.mapper().createObjectNode().put("text", "ünïcode \"quoted\" " + i);
    output.putArray("items").add(i).add(random.nextDouble());
    long finished = 1_790_000_000_000L + random.nextInt(1_000_000_000);
    return new StepResult("m-" + random.nextInt(1000) + "/x", "ws-" + (i % 5), "step-" + i % 7,
        1 + random.nextInt(4), random.nextInt(10) == 0 ? null : "agent-" + i % 6, ok, ok ? output : null,
        ok ? null : "failed: \"" + i + "\"", finished - random.nextInt(90_000) + (random.nextInt(20) == 0 ? 200_000 : 0),
        finished, model ? "gemini-2.5-" + (i % 2 == 0 ? "pro" : "flash") : null, usage,
        model ? random.nextLong(Long.MAX_VALUE / 4) : 0, model ? "2026-11/" + i % 3 : null,
        !ok && random.nextBoolean());
  }
}
