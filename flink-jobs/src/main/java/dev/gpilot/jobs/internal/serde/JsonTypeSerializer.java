package dev.gpilot.jobs.internal.serde;

import dev.gpilot.contracts.json.JsonCodec;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.util.InstantiationUtil;

/**
 * Serializes a value as length-prefixed UTF-8 JSON through the shared codec. A serializer for an
 * immutable type ({@link JsonTypeInfo#immutable}) writes the same bytes, but its copies are the
 * record itself.
 */
public final class JsonTypeSerializer<T> extends TypeSerializer<T> {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private final boolean immutable;
  private transient JsonCodec<T> codec;

  public JsonTypeSerializer(Class<T> type) {
    this(type, false);
  }

  /**
   * @param immutable nothing changes a record of {@code type} once it is made: {@link #copy}
   *     returns it (Flink copies records under object reuse, e.g. into the async operator's queue,
   *     where a deep copy is a JSON round trip)
   */
  JsonTypeSerializer(Class<T> type, boolean immutable) {
    this.type = type;
    this.immutable = immutable;
  }

  private JsonCodec<T> codec() {
    if (codec == null) {
      codec = JsonCodec.of(type);
    }
    return codec;
  }

  @Override
  public boolean isImmutableType() {
    return immutable;
  }

  @Override
  public TypeSerializer<T> duplicate() {
    return new JsonTypeSerializer<>(type, immutable);
  }

  @Override
  public T createInstance() {
    return null;
  }

  /**
   * A deep copy: state classes may be mutable, so the copy must not share anything with the
   * original; a record of an immutable type is its own copy.
   */
  @Override
  public T copy(T from) {
    if (from == null || immutable) {
      return from;
    }
    return codec().decode(codec().encode(from));
  }

  @Override
  public T copy(T from, T reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(T record, DataOutputView target) throws IOException {
    LengthPrefixed.write(codec().encode(record), target);
  }

  @Override
  public T deserialize(DataInputView source) throws IOException {
    return codec().decode(LengthPrefixed.read(source));
  }

  @Override
  public T deserialize(T reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    int length = source.readInt();
    target.writeInt(length);
    target.write(source, length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JsonTypeSerializer<?> other
        && other.type.equals(type)
        && other.immutable == immutable;
  }

  @Override
  public int hashCode() {
    return 31 * type.hashCode() + Boolean.hashCode(immutable);
  }

  @Override
  public TypeSerializerSnapshot<T> snapshotConfiguration() {
    return new Snapshot<>(type);
  }

  /**
   * Records the class; JSON itself carries the evolution (readers ignore unknown fields). Whether
   * copies share the record is not recorded: the bytes are the same either way, so state written by
   * either serializer restores with the other as it is.
   */
  public static final class Snapshot<T> implements TypeSerializerSnapshot<T> {
    private Class<T> type;

    /** For Flink's reflective restore. */
    public Snapshot() {}

    Snapshot(Class<T> type) {
      this.type = type;
    }

    @Override
    public int getCurrentVersion() {
      return 1;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
      out.writeUTF(type.getName());
    }

    @Override
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader)
        throws IOException {
      this.type = InstantiationUtil.resolveClassByName(in, classLoader);
    }

    @Override
    public TypeSerializer<T> restoreSerializer() {
      return new JsonTypeSerializer<>(type);
    }

    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(
        TypeSerializerSnapshot<T> oldSnapshot) {
      if (oldSnapshot instanceof Snapshot<T> old && old.type.equals(type)) {
        return TypeSerializerSchemaCompatibility.compatibleAsIs();
      }
      return TypeSerializerSchemaCompatibility.incompatible();
    }
  }
}
