package dev.gpilot.jobs.internal.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/** What every serializer that crosses a shuffle or sits in state must do, checked for one. */
public final class SerializerChecks {
  private SerializerChecks() {}

  /**
   * Writes {@code value} twice: the first reads back equal to it; the second, copied by {@link
   * TypeSerializer#copy(org.apache.flink.core.memory.DataInputView,
   * org.apache.flink.core.memory.DataOutputView)}, is returned as read back from the copy.
   */
  public static <T> T roundTrip(TypeSerializer<T> serializer, T value) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(value, out);
    serializer.serialize(value, out);
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    assertThat(serializer.deserialize(in)).isEqualTo(value);
    DataOutputSerializer copied = new DataOutputSerializer(64);
    serializer.copy(in, copied);
    return serializer.deserialize(new DataInputDeserializer(copied.getCopyOfBuffer()));
  }

  /**
   * Its snapshot restores the serializer itself, and is compatible as is with a snapshot taken
   * again.
   */
  public static <T> void assertRestoresFromItsSnapshot(TypeSerializer<T> serializer) {
    TypeSerializerSnapshot<T> snapshot = serializer.snapshotConfiguration();
    assertThat(snapshot.restoreSerializer()).isSameAs(serializer);
    assertThat(
            snapshot
                .resolveSchemaCompatibility(serializer.snapshotConfiguration())
                .isCompatibleAsIs())
        .isTrue();
  }
}
