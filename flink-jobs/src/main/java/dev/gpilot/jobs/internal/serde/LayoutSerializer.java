package dev.gpilot.jobs.internal.serde;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.util.InstantiationUtil;

/**
 * A hand-written, stateless serializer for a state type whose snapshot records the <em>layout</em>
 * it writes: the fields, in order, with their types ({@link #layout()}). On restore the layout
 * written with the checkpoint is compared with the current one ({@link #canRead}): the same layout
 * is compatible as is; any other is incompatible, so Flink refuses the restore with the
 * serializer's name instead of reading bytes by the wrong layout (what "same class ⇒ compatible"
 * does when a field is renamed, moved or retyped).
 *
 * <p>To change a layout: bump nothing silently. Either keep a reader for the old layout ({@link
 * #readerOf}): a restore then reads the old data with it and writes it again with this serializer
 * ({@code compatibleAfterMigration}, Flink's state migration); or keep the old state under its old
 * name and convert it on first access (how the scheduler moved from one JSON value per mission to
 * its split state).
 *
 * @param <T> the type written; subclasses with a public no-argument constructor (the snapshot
 *     recreates them)
 */
public abstract class LayoutSerializer<T> extends TypeSerializer<T> {
  private static final long serialVersionUID = 1L;

  /** The fields this serializer writes, in order, as {@code name:type}; part of every snapshot. */
  public abstract List<String> layout();

  /**
   * Whether data written with {@code written} (a layout from a snapshot) can be read as is by this
   * serializer.
   */
  public boolean canRead(List<String> written) {
    return written.equals(layout());
  }

  /**
   * A serializer that reads data written with an older layout this one cannot read as is, or null
   * when there is none (the restore is then refused). The data it reads is migrated: written again
   * with this serializer.
   */
  public LayoutSerializer<T> readerOf(List<String> written) {
    return null;
  }

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TypeSerializer<T> duplicate() {
    return this;
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
  public T deserialize(T reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    serialize(deserialize(source), target);
  }

  @Override
  public boolean equals(Object o) {
    return o != null && o.getClass() == getClass();
  }

  @Override
  public int hashCode() {
    return getClass().hashCode();
  }

  @Override
  public TypeSerializerSnapshot<T> snapshotConfiguration() {
    return new LayoutSnapshot<>(this);
  }

  /**
   * A reader (and writer) of an earlier layout of a type ({@link #readerOf}): it makes and copies
   * instances as the current serializer does, and only writes and reads the old fields itself.
   *
   * @param <T> the type written
   */
  public abstract static class EarlierLayout<T> extends LayoutSerializer<T> {
    private static final long serialVersionUID = 1L;

    /** The serializer of the current layout. */
    protected abstract LayoutSerializer<T> current();

    @Override
    public T createInstance() {
      return current().createInstance();
    }

    @Override
    public T copy(T from) {
      return current().copy(from);
    }
  }

  /** {@code layout} with {@code fields} added at its end: a later layout that only appends. */
  public static List<String> append(List<String> layout, String... fields) {
    List<String> all = new ArrayList<>(layout);
    all.addAll(List.of(fields));
    return List.copyOf(all);
  }

  /**
   * The layout of a record type for a JSON-written value: every component, nested records and lists
   * of records included ({@code plan.steps[].dependsOn:List<String>}).
   */
  public static List<String> recordLayout(Class<?> type) {
    List<String> layout = new ArrayList<>();
    addComponents(layout, "", type, 0);
    return layout;
  }

  private static void addComponents(List<String> layout, String prefix, Class<?> type, int depth) {
    for (RecordComponent c : type.getRecordComponents()) {
      String name = prefix + c.getName();
      Type generic = c.getGenericType();
      if (c.getType().isRecord() && depth < 4) {
        addComponents(layout, name + ".", c.getType(), depth + 1);
      } else if (generic instanceof ParameterizedType p
          && c.getType() == List.class
          && p.getActualTypeArguments()[0] instanceof Class<?> element
          && element.isRecord()
          && depth < 4) {
        addComponents(layout, name + "[].", element, depth + 1);
      } else {
        layout.add(name + ":" + generic.getTypeName().replaceAll("[a-z]+(\\.[a-z]+)*\\.", ""));
      }
    }
  }

  /** A layout serializer's snapshot: its class and the layout it wrote. */
  public static final class LayoutSnapshot<T> implements TypeSerializerSnapshot<T> {
    private Class<? extends LayoutSerializer<T>> serializerClass;
    private List<String> layout;

    /** For Flink's reflective restore. */
    public LayoutSnapshot() {}

    @SuppressWarnings("unchecked")
    LayoutSnapshot(LayoutSerializer<T> serializer) {
      this.serializerClass = (Class<? extends LayoutSerializer<T>>) serializer.getClass();
      this.layout = List.copyOf(serializer.layout());
    }

    /** The layout the data was written with. */
    public List<String> layout() {
      return layout;
    }

    @Override
    public int getCurrentVersion() {
      return 1;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
      out.writeUTF(serializerClass.getName());
      out.writeInt(layout.size());
      for (String field : layout) {
        out.writeUTF(field);
      }
    }

    @Override
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader)
        throws IOException {
      serializerClass = InstantiationUtil.resolveClassByName(in, classLoader);
      int n = in.readInt();
      List<String> fields = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        fields.add(in.readUTF());
      }
      layout = List.copyOf(fields);
    }

    /** The serializer that reads data written with this snapshot's layout. */
    @Override
    public TypeSerializer<T> restoreSerializer() {
      LayoutSerializer<T> current = InstantiationUtil.instantiate(serializerClass);
      LayoutSerializer<T> reader = current.canRead(layout) ? null : current.readerOf(layout);
      return reader != null ? reader : current;
    }

    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(
        TypeSerializerSnapshot<T> oldSnapshot) {
      if (!(oldSnapshot instanceof LayoutSnapshot<T> old)
          || !Objects.equals(old.serializerClass, serializerClass)) {
        return TypeSerializerSchemaCompatibility.incompatible();
      }
      LayoutSerializer<T> current = InstantiationUtil.instantiate(serializerClass);
      if (current.canRead(old.layout)) {
        return TypeSerializerSchemaCompatibility.compatibleAsIs();
      }
      return current.readerOf(old.layout) != null
          ? TypeSerializerSchemaCompatibility.compatibleAfterMigration()
          : TypeSerializerSchemaCompatibility.incompatible();
    }
  }
}
