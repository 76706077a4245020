package dev.gpilot.jobs.internal.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Snapshots of {@link LayoutSerializer}s as a checkpoint holds them: written and read back, or
 * claiming another field layout, and resolved against the serializer of now.
 */
public final class LayoutSnapshots {
  private LayoutSnapshots() {}

  /** How {@code current} takes state whose snapshot is {@code old}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static TypeSerializerSchemaCompatibility<?> resolve(
      LayoutSerializer current, TypeSerializerSnapshot old) {
    return current.snapshotConfiguration().resolveSchemaCompatibility(old);
  }

  /** A snapshot as Flink writes it into a checkpoint and reads it back. */
  public static TypeSerializerSnapshot<?> roundTrip(TypeSerializerSnapshot<?> snapshot)
      throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    return TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(out.getCopyOfBuffer()), LayoutSnapshots.class.getClassLoader());
  }

  /**
   * A snapshot of {@code serializer}'s class that says the data was written with {@code layout}.
   */
  public static TypeSerializerSnapshot<?> writtenWith(
      LayoutSerializer<?> serializer, List<String> layout) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    out.writeUTF(serializer.getClass().getName());
    out.writeInt(layout.size());
    for (String field : layout) {
      out.writeUTF(field);
    }
    LayoutSerializer.LayoutSnapshot<?> snapshot = new LayoutSerializer.LayoutSnapshot<>();
    snapshot.readSnapshot(
        1,
        new DataInputDeserializer(out.getCopyOfBuffer()),
        LayoutSnapshots.class.getClassLoader());
    return snapshot;
  }

  /**
   * Each serializer's snapshot, written and read back, restores as is, and restores a serializer
   * equal to it.
   */
  public static void assertEachRestoresAsIs(List<LayoutSerializer<?>> serializers)
      throws IOException {
    for (LayoutSerializer<?> serializer : serializers) {
      TypeSerializerSnapshot<?> restored = roundTrip(serializer.snapshotConfiguration());
      assertThat(resolve(serializer, restored).isCompatibleAsIs())
          .as(serializer.getClass().getSimpleName())
          .isTrue();
      assertThat(restored.restoreSerializer()).isEqualTo(serializer);
    }
  }
}
