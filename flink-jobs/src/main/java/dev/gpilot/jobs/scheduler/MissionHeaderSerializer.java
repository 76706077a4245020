package dev.gpilot.jobs.scheduler;

import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.jobs.internal.serde.LayoutSerializer;
import java.io.IOException;
import java.util.List;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Writes a {@link MissionHeader} field by field (enums by name); its snapshot records the layout.
 * Headers written before {@code readySteps} existed (release 0.1.0) are read by {@link V1} and
 * migrated on restore, with {@code readySteps} unknown ({@link MissionHeader#READY_STEPS_UNKNOWN})
 * until the scheduler counts it again.
 */
public final class MissionHeaderSerializer extends LayoutSerializer<MissionHeader> {
  private static final long serialVersionUID = 1L;
  public static final MissionHeaderSerializer INSTANCE = new MissionHeaderSerializer();
  private static final List<String> LAYOUT_V1 =
      List.of(
          "missionId:String",
          "workspaceId:String",
          "status:MissionStatus(name)",
          "submittedAt:long",
          "startedAt:long",
          "finishedAt:long",
          "deadlineAt:long",
          "lastSeq:long",
          "reason:String?",
          "unfinishedSteps:int",
          "runningSteps:int");
  private static final List<String> LAYOUT = append(LAYOUT_V1, "readySteps:int");

  @Override
  public List<String> layout() {
    return LAYOUT;
  }

  @Override
  public LayoutSerializer<MissionHeader> readerOf(List<String> written) {
    return written.equals(LAYOUT_V1) ? new V1() : null;
  }

  @Override
  public MissionHeader createInstance() {
    return new MissionHeader();
  }

  @Override
  public MissionHeader copy(MissionHeader from) {
    return from == null ? null : from.copy();
  }

  @Override
  public void serialize(MissionHeader h, DataOutputView out) throws IOException {
    writeV1(h, out);
    out.writeInt(h.readySteps);
  }

  @Override
  public MissionHeader deserialize(DataInputView in) throws IOException {
    MissionHeader h = readV1(in);
    h.readySteps = in.readInt();
    return h;
  }

  private static void writeV1(MissionHeader h, DataOutputView out) throws IOException {
    StringValue.writeString(h.missionId, out);
    StringValue.writeString(h.workspaceId, out);
    StringValue.writeString(h.status == null ? null : h.status.name(), out);
    out.writeLong(h.submittedAt);
    out.writeLong(h.startedAt);
    out.writeLong(h.finishedAt);
    out.writeLong(h.deadlineAt);
    out.writeLong(h.lastSeq);
    StringValue.writeString(h.reason, out);
    out.writeInt(h.unfinishedSteps);
    out.writeInt(h.runningSteps);
  }

  private static MissionHeader readV1(DataInputView in) throws IOException {
    MissionHeader h = new MissionHeader();
    h.missionId = StringValue.readString(in);
    h.workspaceId = StringValue.readString(in);
    String status = StringValue.readString(in);
    h.status = status == null ? null : MissionStatus.valueOf(status);
    h.submittedAt = in.readLong();
    h.startedAt = in.readLong();
    h.finishedAt = in.readLong();
    h.deadlineAt = in.readLong();
    h.lastSeq = in.readLong();
    h.reason = StringValue.readString(in);
    h.unfinishedSteps = in.readInt();
    h.runningSteps = in.readInt();
    return h;
  }

  /** Reads (and writes) the layout of release 0.1.0, without {@code readySteps}. */
  public static final class V1 extends LayoutSerializer.EarlierLayout<MissionHeader> {
    private static final long serialVersionUID = 1L;

    @Override
    public List<String> layout() {
      return LAYOUT_V1;
    }

    @Override
    protected LayoutSerializer<MissionHeader> current() {
      return INSTANCE;
    }

    @Override
    public void serialize(MissionHeader h, DataOutputView out) throws IOException {
      writeV1(h, out);
    }

    @Override
    public MissionHeader deserialize(DataInputView in) throws IOException {
      MissionHeader h = readV1(in);
      h.readySteps = MissionHeader.READY_STEPS_UNKNOWN;
      return h;
    }
  }
}
