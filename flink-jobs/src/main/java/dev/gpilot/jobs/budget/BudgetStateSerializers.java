package dev.gpilot.jobs.budget;

import dev.gpilot.contracts.budget.BudgetMode;
import dev.gpilot.contracts.budget.BudgetPeriod;
import dev.gpilot.contracts.tenancy.BudgetRecord;
import dev.gpilot.contracts.tenancy.WalletGrantRecord;
import dev.gpilot.jobs.internal.serde.LayoutSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * The budget gate's hot state, written field by field: every attempt reads and writes the ledgers
 * of the budgets that cover it, the wallet and its reservation, so their serializers are on the
 * path of every step (JSON cost ten times more). Each snapshot records its layout ({@link
 * LayoutSerializer}).
 */
public final class BudgetStateSerializers {
  private BudgetStateSerializers() {}

  /**
   * A layout serializer of an immutable value: a copy is the value itself, and no instance is made
   * to be reused ({@link #createInstance()} is null unless a subclass has an empty value).
   */
  abstract static class ImmutableLayout<T> extends LayoutSerializer<T> {
    private static final long serialVersionUID = 1L;

    @Override
    public T createInstance() {
      return null;
    }

    @Override
    public T copy(T from) {
      return from;
    }
  }

  /** A {@link BudgetLedger}: its budget's record, then where its period stands. */
  public static final class Ledger extends ImmutableLayout<BudgetLedger> {
    private static final long serialVersionUID = 1L;
    static final Ledger INSTANCE = new Ledger();
    private static final List<String> LAYOUT =
        List.of(
            "budget.workspaceId:String",
            "budget.budgetId:String",
            "budget.limitMicros:long",
            "budget.period:BudgetPeriod(name)",
            "budget.resetDay:int",
            "budget.rollover:boolean",
            "budget.mode:BudgetMode(name)",
            "budget.agent:String?",
            "budget.model:String?",
            "budget.updatedAt:long",
            "budget.updatedBy:String",
            "budget.deletedAt:Long?",
            "budget.revision:long",
            "periodStart:long",
            "periodEnd:long",
            "limitMicros:long",
            "spentMicros:long",
            "reservedMicros:long",
            "alerted:int",
            "statusAt:long",
            "statusDue:boolean");

    @Override
    public List<String> layout() {
      return LAYOUT;
    }

    @Override
    public void serialize(BudgetLedger l, DataOutputView out) throws IOException {
      BudgetRecord b = l.budget();
      StringValue.writeString(b.workspaceId(), out);
      StringValue.writeString(b.budgetId(), out);
      out.writeLong(b.limitMicros());
      StringValue.writeString(b.period().name(), out);
      out.writeInt(b.resetDay());
      out.writeBoolean(b.rollover());
      StringValue.writeString(b.mode().name(), out);
      StringValue.writeString(b.agent(), out);
      StringValue.writeString(b.model(), out);
      out.writeLong(b.updatedAt());
      StringValue.writeString(b.updatedBy(), out);
      writeNullableLong(b.deletedAt(), out);
      out.writeLong(b.revision());
      out.writeLong(l.periodStart());
      out.writeLong(l.periodEnd());
      out.writeLong(l.limitMicros());
      out.writeLong(l.spentMicros());
      out.writeLong(l.reservedMicros());
      out.writeInt(l.alerted());
      out.writeLong(l.statusAt());
      out.writeBoolean(l.statusDue());
    }

    @Override
    public BudgetLedger deserialize(DataInputView in) throws IOException {
      BudgetRecord b =
          new BudgetRecord(
              StringValue.readString(in),
              StringValue.readString(in),
              in.readLong(),
              BudgetPeriod.valueOf(StringValue.readString(in)),
              in.readInt(),
              in.readBoolean(),
              BudgetMode.valueOf(StringValue.readString(in)),
              StringValue.readString(in),
              StringValue.readString(in),
              in.readLong(),
              StringValue.readString(in),
              readNullableLong(in),
              in.readLong());
      return new BudgetLedger(
          b,
          in.readLong(),
          in.readLong(),
          in.readLong(),
          in.readLong(),
          in.readLong(),
          in.readInt(),
          in.readLong(),
          in.readBoolean());
    }
  }

  /**
   * A {@link WalletState}: its grants (each with what was drawn from it), then its reservation and
   * what is owed.
   */
  public static final class Wallet extends ImmutableLayout<WalletState> {
    private static final long serialVersionUID = 1L;
    static final Wallet INSTANCE = new Wallet();
    private static final List<String> LAYOUT =
        List.of(
            "grants:int(count)",
            "grants[].workspaceId:String",
            "grants[].grantId:String",
            "grants[].amountMicros:long",
            "grants[].effectiveAt:long",
            "grants[].expiresAt:Long?",
            "grants[].priority:int",
            "grants[].note:String?",
            "grants[].createdAt:long",
            "grants[].createdBy:String",
            "grants[].revision:long",
            "grants[].consumedMicros:long",
            "grants[].expiredMicros:long",
            "reservedMicros:long",
            "overdrawnMicros:long",
            "statusAt:long",
            "statusDue:boolean");

    @Override
    public List<String> layout() {
      return LAYOUT;
    }

    @Override
    public WalletState createInstance() {
      return WalletState.EMPTY;
    }

    @Override
    public void serialize(WalletState w, DataOutputView out) throws IOException {
      out.writeInt(w.grants().size());
      for (WalletState.Grant g : w.grants()) {
        WalletGrantRecord r = g.grant();
        StringValue.writeString(r.workspaceId(), out);
        StringValue.writeString(r.grantId(), out);
        out.writeLong(r.amountMicros());
        out.writeLong(r.effectiveAt());
        writeNullableLong(r.expiresAt(), out);
        out.writeInt(r.priority());
        StringValue.writeString(r.note(), out);
        out.writeLong(r.createdAt());
        StringValue.writeString(r.createdBy(), out);
        out.writeLong(r.revision());
        out.writeLong(g.consumedMicros());
        out.writeLong(g.expiredMicros());
      }
      out.writeLong(w.reservedMicros());
      out.writeLong(w.overdrawnMicros());
      out.writeLong(w.statusAt());
      out.writeBoolean(w.statusDue());
    }

    @Override
    public WalletState deserialize(DataInputView in) throws IOException {
      int n = in.readInt();
      List<WalletState.Grant> grants = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        WalletGrantRecord r =
            new WalletGrantRecord(
                StringValue.readString(in),
                StringValue.readString(in),
                in.readLong(),
                in.readLong(),
                readNullableLong(in),
                in.readInt(),
                StringValue.readString(in),
                in.readLong(),
                StringValue.readString(in),
                in.readLong());
        grants.add(new WalletState.Grant(r, in.readLong(), in.readLong()));
      }
      return new WalletState(grants, in.readLong(), in.readLong(), in.readLong(), in.readBoolean());
    }
  }

  /**
   * A workspace's {@link BudgetBook.Value}: every budget's ledger, the wallet and the number of
   * held attempts, in one value. Every attempt changes most of it (the ledgers covering it and the
   * wallet), so one read and one write per input cost less than one per budget.
   */
  public static final class Book extends ImmutableLayout<BudgetBook.Value> {
    private static final long serialVersionUID = 1L;
    static final Book INSTANCE = new Book();
    private static final List<String> LAYOUT;

    static {
      List<String> all = new ArrayList<>();
      all.add("ledgers:int(count)");
      Ledger.LAYOUT.forEach(f -> all.add("ledgers[]." + f));
      Wallet.LAYOUT.forEach(f -> all.add("wallet." + f));
      all.add("heldAttempts:int");
      LAYOUT = List.copyOf(all);
    }

    @Override
    public List<String> layout() {
      return LAYOUT;
    }

    @Override
    public BudgetBook.Value createInstance() {
      return BudgetBook.Value.EMPTY;
    }

    @Override
    public void serialize(BudgetBook.Value v, DataOutputView out) throws IOException {
      out.writeInt(v.ledgers().size());
      for (BudgetLedger l : v.ledgers().values()) {
        Ledger.INSTANCE.serialize(l, out);
      }
      Wallet.INSTANCE.serialize(v.wallet(), out);
      out.writeInt(v.heldAttempts());
    }

    @Override
    public BudgetBook.Value deserialize(DataInputView in) throws IOException {
      int n = in.readInt();
      java.util.Map<String, BudgetLedger> ledgers = new java.util.LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        BudgetLedger l = Ledger.INSTANCE.deserialize(in);
        ledgers.put(l.id(), l);
      }
      return new BudgetBook.Value(ledgers, Wallet.INSTANCE.deserialize(in), in.readInt());
    }
  }

  /** A {@link Reservation}. */
  public static final class Reserved extends ImmutableLayout<Reservation> {
    private static final long serialVersionUID = 1L;
    static final Reserved INSTANCE = new Reserved();
    private static final List<String> LAYOUT =
        List.of("amountMicros:long", "budgetIds:List<String>", "reservedAt:long");

    @Override
    public List<String> layout() {
      return LAYOUT;
    }

    @Override
    public void serialize(Reservation r, DataOutputView out) throws IOException {
      out.writeLong(r.amountMicros());
      out.writeInt(r.budgetIds().size());
      for (String id : r.budgetIds()) {
        StringValue.writeString(id, out);
      }
      out.writeLong(r.reservedAt());
    }

    @Override
    public Reservation deserialize(DataInputView in) throws IOException {
      long amount = in.readLong();
      int n = in.readInt();
      List<String> ids = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        ids.add(StringValue.readString(in));
      }
      return new Reservation(amount, ids, in.readLong());
    }
  }

  private static void writeNullableLong(Long value, DataOutputView out) throws IOException {
    out.writeBoolean(value != null);
    if (value != null) {
      out.writeLong(value);
    }
  }

  private static Long readNullableLong(DataInputView in) throws IOException {
    return in.readBoolean() ? in.readLong() : null;
  }
}
