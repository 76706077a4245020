package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.jobs.internal.serde.SerializerChecks;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * Cost records cross the pipeline's shuffle through this serializer: every field, nulls included,
 * must survive.
 */
class CostRecordSerializerTest {
  private final TypeSerializer<CostRecord> serializer =
      CostPipeline.COST_RECORD.createSerializer(new SerializerConfigImpl());

  private CostRecord roundTrip(CostRecord record) throws Exception {
    return SerializerChecks.roundTrip(serializer, record);
  }

  @Test
  void everyFieldSurvives() throws Exception {
    CostRecord record =
        new CostRecord(
            "ws-1",
            "m-1",
            "write",
            3,
            "content-orchestrator",
            "gemini-2.5-pro",
            false,
            new Usage(1_234, 567, 89, 10),
            9_876_543_210L,
            "2026-11/1",
            1_790_000_000_000L,
            1_790_000_001_234L);
    assertThat(roundTrip(record)).isEqualTo(record);
  }

  @Test
  void aRecordWithoutModelOrPriceVersionSurvives() throws Exception {
    CostRecord record =
        new CostRecord(
            "ws-1", "m-2", "scout", 1, "agent-scout", null, true, Usage.ZERO, 0, null, 5, 7);
    assertThat(roundTrip(record)).isEqualTo(record);
  }

  @Test
  void nonAsciiEmptyAndLargeValuesSurvive() throws Exception {
    CostRecord record =
        new CostRecord(
            "wörkspace-☃",
            "m-" + "x".repeat(70_000),
            "",
            Integer.MAX_VALUE,
            "",
            "",
            true,
            new Usage(Long.MAX_VALUE, 0, 127, 128),
            Long.MAX_VALUE,
            "",
            0,
            CostRecord.MAX_EPOCH_MS);
    assertThat(roundTrip(record)).isEqualTo(record);
  }

  @Test
  void aCopyIsTheRecordsBytes_andReadsBackAfterOtherRecords() throws Exception {
    CostRecord a =
        new CostRecord(
            "ws-1", "m-1", "s1", 1, "agent", "gemini-2.5-pro", false, Usage.ZERO, 0, null, 5, 7);
    CostRecord b =
        new CostRecord(
            "ws-2", "m-2", "s2", 2, "agent", null, true, new Usage(9, 8, 7, 6), 5, "v", 50, 70);
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(a, out);
    int lengthOfA = out.length();
    serializer.serialize(b, out);
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    DataOutputSerializer copied = new DataOutputSerializer(64);
    serializer.copy(in, copied);
    assertThat(copied.length()).isEqualTo(lengthOfA);
    serializer.copy(in, copied);
    assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
    DataInputDeserializer back = new DataInputDeserializer(copied.getCopyOfBuffer());
    assertThat(serializer.deserialize(back)).isEqualTo(a);
    assertThat(serializer.deserialize(back)).isEqualTo(b);
    assertThat(back.available()).isZero();
  }

  @Test
  void restoresFromItsSnapshot() throws Exception {
    SerializerChecks.assertRestoresFromItsSnapshot(serializer);
  }
}
