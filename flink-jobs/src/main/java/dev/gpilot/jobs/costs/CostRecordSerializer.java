package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.jobs.internal.serde.ImmutableSerializer;
import dev.gpilot.jobs.internal.serde.SerializerTypeInfo;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes a {@link CostRecord} field by field. Every step result crosses the cost pipeline's first
 * shuffle (by mission) as one of these; Flink's reflective record serializer took a fifth of the
 * pipeline's CPU there (bench costs). Not used for state: a change of fields needs a new snapshot
 * version only for in-flight data.
 */
public final class CostRecordSerializer extends ImmutableSerializer<CostRecord> {
  private static final long serialVersionUID = 1L;
  public static final CostRecordSerializer INSTANCE = new CostRecordSerializer();

  /** The type information that makes Flink use this serializer. */
  public static final TypeInformation<CostRecord> TYPE =
      new SerializerTypeInfo<>(CostRecord.class, INSTANCE, "CostRecord");

  @Override
  public void serialize(CostRecord r, DataOutputView out) throws IOException {
    out.writeUTF(r.workspaceId());
    out.writeUTF(r.missionId());
    out.writeUTF(r.stepId());
    out.writeInt(r.attempt());
    out.writeUTF(r.agent());
    writeNullable(r.model(), out);
    out.writeBoolean(r.succeeded());
    out.writeLong(r.usage().promptTokens());
    out.writeLong(r.usage().outputTokens());
    out.writeLong(r.usage().thinkingTokens());
    out.writeLong(r.usage().cachedTokens());
    out.writeLong(r.costMicros());
    writeNullable(r.priceVersion(), out);
    out.writeLong(r.startedAt());
    out.writeLong(r.finishedAt());
  }

  @Override
  public CostRecord deserialize(DataInputView in) throws IOException {
    return new CostRecord(
        in.readUTF(),
        in.readUTF(),
        in.readUTF(),
        in.readInt(),
        in.readUTF(),
        readNullable(in),
        in.readBoolean(),
        new Usage(in.readLong(), in.readLong(), in.readLong(), in.readLong()),
        in.readLong(),
        readNullable(in),
        in.readLong(),
        in.readLong());
  }

  private static void writeNullable(String value, DataOutputView out) throws IOException {
    out.writeBoolean(value != null);
    if (value != null) {
      out.writeUTF(value);
    }
  }

  private static String readNullable(DataInputView in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  @Override
  public TypeSerializerSnapshot<CostRecord> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer's snapshot: it has no configuration. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<CostRecord> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
