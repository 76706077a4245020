package dev.gpilot.jobs.scheduler;

import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.jobs.internal.serde.LayoutSerializer;
import dev.gpilot.jobs.internal.serde.LengthPrefixed;
import java.io.IOException;
import java.util.List;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes a {@link MissionDefinition} as length-prefixed JSON (config and plan carry free JSON). Its
 * layout is every record component, nested ones included; JSON reads a value written with fewer
 * fields (the new ones are null), so a layout that only adds fields can read the old one, while a
 * renamed, removed or retyped field cannot.
 */
public final class MissionDefinitionSerializer extends LayoutSerializer<MissionDefinition> {
  private static final long serialVersionUID = 1L;
  public static final MissionDefinitionSerializer INSTANCE = new MissionDefinitionSerializer();
  private static final List<String> LAYOUT = recordLayout(MissionDefinition.class);
  private transient JsonCodec<MissionDefinition> codec;

  private JsonCodec<MissionDefinition> codec() {
    if (codec == null) {
      codec = JsonCodec.of(MissionDefinition.class);
    }
    return codec;
  }

  @Override
  public List<String> layout() {
    return LAYOUT;
  }

  @Override
  public boolean canRead(List<String> written) {
    return LAYOUT.containsAll(written);
  }

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  public MissionDefinition createInstance() {
    return null;
  }

  /**
   * Immutable, but its config and plan hold JSON nodes: copied through JSON so no node is shared.
   */
  @Override
  public MissionDefinition copy(MissionDefinition from) {
    return from == null ? null : codec().decode(codec().encode(from));
  }

  @Override
  public void serialize(MissionDefinition record, DataOutputView out) throws IOException {
    LengthPrefixed.write(record == null ? null : codec().encode(record), out);
  }

  @Override
  public MissionDefinition deserialize(DataInputView in) throws IOException {
    byte[] bytes = LengthPrefixed.read(in);
    return bytes == null ? null : codec().decode(bytes);
  }
}
