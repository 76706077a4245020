package dev.gpilot.jobs.scheduler;

import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.mission.StepStatus;
import dev.gpilot.jobs.internal.serde.LayoutSerializer;
import java.io.IOException;
import java.util.List;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Writes a {@link StepState} field by field (enums by name); its snapshot records the layout. Steps
 * written before {@code heldAt} existed (releases up to 0.2.0) are read by {@link V1} (not waiting
 * for a budget) and migrated on restore.
 */
public final class StepStateSerializer extends LayoutSerializer<StepState> {
  private static final long serialVersionUID = 1L;
  public static final StepStateSerializer INSTANCE = new StepStateSerializer();
  private static final List<String> LAYOUT_V1 =
      List.of(
          "id:String",
          "agent:String",
          "status:StepStatus(name)",
          "attempt:int",
          "maxAttempts:int",
          "timeoutMs:long",
          "startedAt:long",
          "finishedAt:long",
          "timeoutAt:long",
          "retryAt:long",
          "reason:String?",
          "usage.promptTokens:long",
          "usage.outputTokens:long",
          "usage.thinkingTokens:long",
          "usage.cachedTokens:long",
          "costMicros:long");
  private static final List<String> LAYOUT = append(LAYOUT_V1, "heldAt:long");

  @Override
  public List<String> layout() {
    return LAYOUT;
  }

  @Override
  public LayoutSerializer<StepState> readerOf(List<String> written) {
    return written.equals(LAYOUT_V1) ? new V1() : null;
  }

  @Override
  public StepState createInstance() {
    return new StepState();
  }

  @Override
  public StepState copy(StepState from) {
    return from == null ? null : from.copy();
  }

  @Override
  public void serialize(StepState s, DataOutputView out) throws IOException {
    writeV1(s, out);
    out.writeLong(s.heldAt);
  }

  @Override
  public StepState deserialize(DataInputView in) throws IOException {
    StepState s = readV1(in);
    s.heldAt = in.readLong();
    return s;
  }

  private static void writeV1(StepState s, DataOutputView out) throws IOException {
    StringValue.writeString(s.id, out);
    StringValue.writeString(s.agent, out);
    StringValue.writeString(s.status.name(), out);
    out.writeInt(s.attempt);
    out.writeInt(s.maxAttempts);
    out.writeLong(s.timeoutMs);
    out.writeLong(s.startedAt);
    out.writeLong(s.finishedAt);
    out.writeLong(s.timeoutAt);
    out.writeLong(s.retryAt);
    StringValue.writeString(s.reason, out);
    Usage u = s.usage == null ? Usage.ZERO : s.usage;
    out.writeLong(u.promptTokens());
    out.writeLong(u.outputTokens());
    out.writeLong(u.thinkingTokens());
    out.writeLong(u.cachedTokens());
    out.writeLong(s.costMicros);
  }

  private static StepState readV1(DataInputView in) throws IOException {
    StepState s = new StepState();
    s.id = StringValue.readString(in);
    s.agent = StringValue.readString(in);
    s.status = StepStatus.valueOf(StringValue.readString(in));
    s.attempt = in.readInt();
    s.maxAttempts = in.readInt();
    s.timeoutMs = in.readLong();
    s.startedAt = in.readLong();
    s.finishedAt = in.readLong();
    s.timeoutAt = in.readLong();
    s.retryAt = in.readLong();
    s.reason = StringValue.readString(in);
    s.usage = new Usage(in.readLong(), in.readLong(), in.readLong(), in.readLong());
    s.costMicros = in.readLong();
    return s;
  }

  /** Reads (and writes) the layout of releases up to 0.2.0, without {@code heldAt}. */
  public static final class V1 extends LayoutSerializer.EarlierLayout<StepState> {
    private static final long serialVersionUID = 1L;

    @Override
    public List<String> layout() {
      return LAYOUT_V1;
    }

    @Override
    protected LayoutSerializer<StepState> current() {
      return INSTANCE;
    }

    @Override
    public void serialize(StepState s, DataOutputView out) throws IOException {
      writeV1(s, out);
    }

    @Override
    public StepState deserialize(DataInputView in) throws IOException {
      return readV1(in);
    }
  }
}
