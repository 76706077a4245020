package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.jobs.internal.serde.ImmutableSerializer;
import dev.gpilot.jobs.internal.serde.SerializerTypeInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes a {@link CostRecord} field by field, compactly: its length first, then each string as its
 * UTF-8 bytes after their length, and the numbers (never negative: {@link CostRecord}'s invariants)
 * as variable-length integers. Every step result crosses the cost pipeline's first shuffle (by
 * mission) as one of these, and in a replay (BATCH mode) also the sort before the tagger, which
 * writes, spills and reads every record again: the length lets the sort's spilling copy a record's
 * bytes instead of reading and writing its fields; the strings' bytes go in one call each, where
 * {@code writeUTF} wrote them a byte at a time. Not used for state, only for records in flight (the
 * live job's checkpoints are aligned: they hold no records in flight).
 */
public final class CostRecordSerializer extends ImmutableSerializer<CostRecord> {
  private static final long serialVersionUID = 1L;
  public static final CostRecordSerializer INSTANCE = new CostRecordSerializer();

  /** The type information that makes Flink use this serializer. */
  public static final TypeInformation<CostRecord> TYPE =
      new SerializerTypeInfo<>(CostRecord.class, INSTANCE, "CostRecord");

  private static final byte[] EMPTY = new byte[0];

  @Override
  public void serialize(CostRecord r, DataOutputView out) throws IOException {
    byte[] workspace = utf8(r.workspaceId());
    byte[] mission = utf8(r.missionId());
    byte[] step = utf8(r.stepId());
    byte[] agent = utf8(r.agent());
    byte[] model = r.model() == null ? null : utf8(r.model());
    byte[] priceVersion = r.priceVersion() == null ? null : utf8(r.priceVersion());
    Usage u = r.usage();
    int length =
        string(workspace)
            + string(mission)
            + string(step)
            + string(agent)
            + nullable(model)
            + nullable(priceVersion)
            + varSize(r.attempt())
            + 1
            + varSize(u.promptTokens())
            + varSize(u.outputTokens())
            + varSize(u.thinkingTokens())
            + varSize(u.cachedTokens())
            + varSize(r.costMicros())
            + varSize(r.startedAt())
            + varSize(r.finishedAt());
    writeVar(out, length);
    writeString(out, workspace);
    writeString(out, mission);
    writeString(out, step);
    writeString(out, agent);
    writeNullable(out, model);
    writeNullable(out, priceVersion);
    writeVar(out, r.attempt());
    out.writeBoolean(r.succeeded());
    writeVar(out, u.promptTokens());
    writeVar(out, u.outputTokens());
    writeVar(out, u.thinkingTokens());
    writeVar(out, u.cachedTokens());
    writeVar(out, r.costMicros());
    writeVar(out, r.startedAt());
    writeVar(out, r.finishedAt());
  }

  @Override
  public CostRecord deserialize(DataInputView in) throws IOException {
    readVar(in); // the length: for copies
    String workspace = readString(in);
    String mission = readString(in);
    String step = readString(in);
    String agent = readString(in);
    String model = readNullable(in);
    String priceVersion = readNullable(in);
    int attempt = (int) readVar(in);
    boolean succeeded = in.readBoolean();
    Usage usage = new Usage(readVar(in), readVar(in), readVar(in), readVar(in));
    long cost = readVar(in);
    long startedAt = readVar(in);
    long finishedAt = readVar(in);
    return new CostRecord(
        workspace,
        mission,
        step,
        attempt,
        agent,
        model,
        succeeded,
        usage,
        cost,
        priceVersion,
        startedAt,
        finishedAt);
  }

  /** The record's bytes as they are (the sort's spilling and merging copy every record). */
  @Override
  public void copy(DataInputView in, DataOutputView out) throws IOException {
    byte[] record = new byte[(int) readVar(in)];
    in.readFully(record);
    writeVar(out, record.length);
    // Not out.write(in, n): some views (DataOutputSerializer) do not grow for it.
    out.write(record);
  }

  private static byte[] utf8(String s) {
    return s.isEmpty() ? EMPTY : s.getBytes(StandardCharsets.UTF_8);
  }

  private static int string(byte[] b) {
    return varSize(b.length) + b.length;
  }

  /** A nullable string: its length + 1, 0 for null. */
  private static int nullable(byte[] b) {
    return b == null ? 1 : varSize(b.length + 1L) + b.length;
  }

  private static void writeString(DataOutputView out, byte[] b) throws IOException {
    writeVar(out, b.length);
    out.write(b);
  }

  private static void writeNullable(DataOutputView out, byte[] b) throws IOException {
    if (b == null) {
      out.writeByte(0);
    } else {
      writeVar(out, b.length + 1L);
      out.write(b);
    }
  }

  private static String readString(DataInputView in) throws IOException {
    return read(in, (int) readVar(in));
  }

  private static String readNullable(DataInputView in) throws IOException {
    int n = (int) readVar(in);
    return n == 0 ? null : read(in, n - 1);
  }

  private static String read(DataInputView in, int length) throws IOException {
    if (length == 0) {
      return "";
    }
    byte[] b = new byte[length];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** Bytes of {@code v} (not negative) as a variable-length integer: 7 bits a byte. */
  static int varSize(long v) {
    return v < 0 ? 10 : Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 6) / 7);
  }

  static void writeVar(DataOutputView out, long v) throws IOException {
    while ((v & ~0x7FL) != 0) {
      out.writeByte((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.writeByte((int) v);
  }

  static long readVar(DataInputView in) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte b = in.readByte();
      v |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return v;
      }
    }
    throw new IOException("malformed variable-length integer");
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
