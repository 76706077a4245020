package dev.gpilot.jobs.costs;

import dev.gpilot.jobs.internal.serde.ImmutableSerializer;
import dev.gpilot.jobs.internal.serde.SerializerTypeInfo;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes a {@link TaggedCost}: its record field by field ({@link CostRecordSerializer}), then its
 * two marks in one byte. Every cost record crosses the shuffle to the single raw-table writer as
 * one of these. Not used for state.
 */
public final class TaggedCostSerializer extends ImmutableSerializer<TaggedCost> {
  private static final long serialVersionUID = 1L;
  public static final TaggedCostSerializer INSTANCE = new TaggedCostSerializer();

  /** The type information that makes Flink use this serializer. */
  public static final TypeInformation<TaggedCost> TYPE =
      new SerializerTypeInfo<>(TaggedCost.class, INSTANCE, "TaggedCost");

  private static final int NEW_MISSION = 1;
  private static final int NEW_AGENT_MISSION = 2;

  @Override
  public void serialize(TaggedCost tagged, DataOutputView out) throws IOException {
    CostRecordSerializer.INSTANCE.serialize(tagged.record(), out);
    out.writeByte(
        (tagged.newMission() ? NEW_MISSION : 0)
            | (tagged.newAgentMission() ? NEW_AGENT_MISSION : 0));
  }

  @Override
  public TaggedCost deserialize(DataInputView in) throws IOException {
    var record = CostRecordSerializer.INSTANCE.deserialize(in);
    int marks = in.readByte();
    return new TaggedCost(record, (marks & NEW_MISSION) != 0, (marks & NEW_AGENT_MISSION) != 0);
  }

  @Override
  public TypeSerializerSnapshot<TaggedCost> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer's snapshot: it has no configuration. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<TaggedCost> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
