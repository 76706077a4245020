package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.jobs.internal.serde.SerializerChecks;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.junit.jupiter.api.Test;

/**
 * Tagged costs cross the shuffle to the raw-table writer through this serializer: record and marks
 * must survive.
 */
class TaggedCostSerializerTest {
  private static final CostRecord RECORD =
      new CostRecord(
          "ws-1",
          "m-1",
          "write",
          2,
          "content-orchestrator",
          "gemini-2.5-pro",
          false,
          new Usage(1_234, 567, 89, 10),
          9_876_543_210L,
          "2026-11/1",
          1_790_000_000_000L,
          1_790_000_001_234L);

  private final TypeSerializer<TaggedCost> serializer =
      CostPipeline.TAGGED.createSerializer(new SerializerConfigImpl());

  @Test
  void theRecordAndEachCombinationOfMarksSurvive() throws Exception {
    CostRecord bare =
        new CostRecord(
            "ws-2", "m-2", "scout", 1, "agent-scout", null, true, Usage.ZERO, 0, null, 5, 7);
    for (CostRecord record : new CostRecord[] {RECORD, bare}) {
      for (int marks = 0; marks < 4; marks++) {
        TaggedCost tagged = new TaggedCost(record, (marks & 1) != 0, (marks & 2) != 0);
        assertThat(SerializerChecks.roundTrip(serializer, tagged)).isEqualTo(tagged);
      }
    }
  }

  @Test
  void restoresFromItsSnapshot() throws Exception {
    SerializerChecks.assertRestoresFromItsSnapshot(serializer);
  }
}
