package dev.gpilot.jobs.budget;

import static dev.gpilot.jobs.internal.serde.LayoutSnapshots.assertEachRestoresAsIs;
import static dev.gpilot.jobs.internal.serde.LayoutSnapshots.resolve;
import static dev.gpilot.jobs.internal.serde.LayoutSnapshots.writtenWith;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.jobs.internal.serde.LayoutSerializer;
import java.util.ArrayList;
import java.util.List;
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
    assertEachRestoresAsIs(STATE);
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
}
