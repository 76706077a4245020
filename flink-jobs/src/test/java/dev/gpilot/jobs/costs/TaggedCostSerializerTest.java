package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
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
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(tagged, out);
        serializer.serialize(tagged, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        assertThat(serializer.deserialize(in)).isEqualTo(tagged);
        DataOutputSerializer copied = new DataOutputSerializer(64);
        serializer.copy(in, copied);
        assertThat(serializer.deserialize(new DataInputDeserializer(copied.getCopyOfBuffer())))
            .isEqualTo(tagged);
      }
    }
  }

  @Test
  void restoresFromItsSnapshot() throws Exception {
    TypeSerializerSnapshot<TaggedCost> snapshot = serializer.snapshotConfiguration();
    assertThat(snapshot.restoreSerializer()).isSameAs(serializer);
    assertThat(
            snapshot
                .resolveSchemaCompatibility(serializer.snapshotConfiguration())
                .isCompatibleAsIs())
        .isTrue();
  }
}
