package dev.gpilot.jobs.budget;

import dev.gpilot.contracts.budget.BudgetMode;
import dev.gpilot.contracts.budget.BudgetPeriod;
import dev.gpilot.contracts.tenancy.BudgetRecord;
import dev.gpilot.contracts.tenancy.WalletGrantRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink's serializer contract for the budget gate's per-workspace book: ledgers, wallet, held
 * attempts.
 */
class BudgetBookSerializerTest extends SerializerTestBase<BudgetBook.Value> {
  @Override
  protected TypeSerializer<BudgetBook.Value> createSerializer() {
    return new BudgetStateSerializers.Book();
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<BudgetBook.Value> getTypeClass() {
    return BudgetBook.Value.class;
  }

  @Override
  protected BudgetBook.Value[] getTestData() {
    BudgetRecord everything =
        new BudgetRecord(
            "acme",
            "all",
            5_000_000,
            BudgetPeriod.MONTH,
            28,
            true,
            BudgetMode.HARD,
            null,
            null,
            10,
            "alice",
            null,
            1);
    BudgetRecord narrow =
        new BudgetRecord(
            "acme",
            "pro-only",
            Long.MAX_VALUE,
            BudgetPeriod.TOTAL,
            1,
            false,
            BudgetMode.SOFT,
            "seo-analyst",
            "gemini-2.5-pro",
            11,
            "bob-ü",
            99L,
            Long.MAX_VALUE);
    Map<String, BudgetLedger> ledgers = new LinkedHashMap<>();
    ledgers.put(
        "all",
        new BudgetLedger(
            everything, 1_000, 2_000, 5_000_123, 17, 42, BudgetLedger.ALERT_80, 7, true));
    ledgers.put(
        "pro-only",
        new BudgetLedger(
            narrow,
            0,
            Long.MAX_VALUE,
            Long.MAX_VALUE,
            -3,
            0,
            BudgetLedger.ALERT_80 | BudgetLedger.ALERT_100,
            0,
            false));
    WalletState wallet =
        new WalletState(
            List.of(
                new WalletState.Grant(
                    new WalletGrantRecord(
                        "acme", "g-forever", 1_000, 0, null, 10, null, 1, "alice", 1),
                    300,
                    0),
                new WalletState.Grant(
                    new WalletGrantRecord(
                        "acme", "g-promo", 500, 5, 50L, 0, "launch — promo", 2, "bob", 3),
                    100,
                    400)),
            250,
            12,
            77,
            true);
    return new BudgetBook.Value[] {
      BudgetBook.Value.EMPTY,
      new BudgetBook.Value(ledgers, WalletState.EMPTY, 0),
      new BudgetBook.Value(Map.of(), wallet, 3),
      new BudgetBook.Value(ledgers, wallet, Integer.MAX_VALUE)
    };
  }
}
