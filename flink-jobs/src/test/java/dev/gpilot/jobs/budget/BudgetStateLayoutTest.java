package dev.gpilot.jobs.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.jobs.internal.serde.LayoutSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The budget gate's state restores as is with its own layout, and is refused (not read wrong) when
 * a checkpoint was written with another: a ledger field renamed, the wallet's fields moved.
 */
class BudgetStateLayoutTest {
  private static final List<LayoutSerializer<?>> STATE =
      List.of(new BudgetStateSerializers.Book(), new BudgetStateSerializers.Reserved());

  @Test
  void theSameLayout_restoresAsIs() throws Exception {
    for (LayoutSerializer<?> serializer : STATE) {
      TypeSerializerSnapshot<?> restored = roundTrip(serializer.snapshotConfiguration());
      assertThat(resolve(serializer, restored).isCompatibleAsIs())
          .as(serializer.getClass().getSimpleName())
          .isTrue();
      assertThat(restored.restoreSerializer()).isEqualTo(serializer);
    }
  }

  @Test
  void theBooksLayout_namesItsLedgersAndWalletsFields_andAnyOtherLayoutIsRefused()
      throws Exception {
    LayoutSerializer<?> book = STATE.get(0);
    assertThat(book.layout())
        .startsWith("ledgers:int(count)", "ledgers[].budget.workspaceId:String")
        .contains("ledgers[].spentMicros:long", "wallet.grants[].consumedMicros:long")
        .endsWith("heldAttempts:int")
        .doesNotHaveDuplicates();
    List<String> renamed = new ArrayList<>(book.layout());
    renamed.set(renamed.indexOf("ledgers[].spentMicros:long"), "ledgers[].spent:long");
    List<String> moved = new ArrayList<>(book.layout());
    moved.add(moved.remove(moved.indexOf("wallet.reservedMicros:long")));
    for (List<String> layout :
        List.of(renamed, moved, book.layout().subList(0, book.layout().size() - 1))) {
      assertThat(resolve(book, writtenWith(book, layout)).isIncompatible())
          .as("%s", layout)
          .isTrue();
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static TypeSerializerSchemaCompatibility<?> resolve(
      LayoutSerializer current, TypeSerializerSnapshot old) {
    return current.snapshotConfiguration().resolveSchemaCompatibility(old);
  }

  private static TypeSerializerSnapshot<?> roundTrip(TypeSerializerSnapshot<?> snapshot)
      throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    return TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(out.getCopyOfBuffer()),
        BudgetStateLayoutTest.class.getClassLoader());
  }

  /**
   * A snapshot of {@code serializer}'s class that says the data was written with {@code layout}.
   */
  private static TypeSerializerSnapshot<?> writtenWith(
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
        BudgetStateLayoutTest.class.getClassLoader());
    return snapshot;
  }
}
