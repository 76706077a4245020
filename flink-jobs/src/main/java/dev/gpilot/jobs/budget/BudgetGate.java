package dev.gpilot.jobs.budget;

import dev.gpilot.contracts.budget.BudgetStatus;
import dev.gpilot.contracts.budget.LedgerEntry;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The budget gate: the thin Flink layer over {@link BudgetBook}, keyed by workspace. Step attempts
 * the scheduler starts pass through it on their way to the agent executor (main output), or wait in
 * its state; its signals to the missions ({@link #SIGNALS}), budget and wallet statuses ({@link
 * #STATUSES}), alerts ({@link #ALERTS}) and wallet ledger lines ({@link #LEDGER}) leave by side
 * outputs.
 */
public final class BudgetGate extends KeyedProcessFunction<String, GateInput, StepRequest> {
  private static final long serialVersionUID = 1L;
  public static final OutputTag<MissionControl> SIGNALS =
      new OutputTag<>("budget-signals", JsonTypeInfo.of(MissionControl.class));
  public static final OutputTag<BudgetStatus> STATUSES =
      new OutputTag<>("budget-statuses", JsonTypeInfo.of(BudgetStatus.class));
  public static final OutputTag<AuditEvent> ALERTS =
      new OutputTag<>("budget-alerts", JsonTypeInfo.of(AuditEvent.class));
  public static final OutputTag<LedgerEntry> LEDGER =
      new OutputTag<>("wallet-ledger", JsonTypeInfo.of(LedgerEntry.class));

  /** How long a counted result's id is remembered (at-least-once repeats come far sooner). */
  static final Duration COUNTED_TTL = Duration.ofDays(2);

  private final AttemptCostBound costBound;
  private final long statusIntervalMs;
  private transient BudgetBook book;
  private transient ValueState<BudgetBook.Value> books;
  private transient MapState<String, Reservation> reservations;
  private transient MapState<Long, HeldAttempt> held;
  private transient ValueState<Long> heldSeq;
  private transient MapState<String, Long> spend;
  private transient MapState<String, Boolean> counted;

  /**
   * Recent workspaces' values: a key's state is written only by the instance that owns it, so a
   * cached value is the stored one; the cache starts empty with every (re)start.
   */
  private transient Map<String, BudgetBook.Value> cache;

  private transient Counter heldCount;
  private transient Counter releasedCount;

  public BudgetGate(AttemptCostBound costBound, long statusIntervalMs) {
    this.costBound = costBound;
    this.statusIntervalMs = statusIntervalMs;
  }

  @Override
  public void open(OpenContext openContext) {
    book = new BudgetBook(costBound, statusIntervalMs);
    books =
        getRuntimeContext()
            .getState(
                new ValueStateDescriptor<>("budget-book", BudgetStateSerializers.Book.INSTANCE));
    cache =
        new java.util.LinkedHashMap<>(1_024, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, BudgetBook.Value> eldest) {
            return size() > 10_000;
          }
        };
    reservations =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "budget-reservations",
                    StringSerializer.INSTANCE,
                    BudgetStateSerializers.Reserved.INSTANCE));
    held =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "budget-held", Types.LONG, JsonTypeInfo.of(HeldAttempt.class)));
    heldSeq =
        getRuntimeContext().getState(new ValueStateDescriptor<>("budget-held-seq", Types.LONG));
    spend =
        getRuntimeContext()
            .getMapState(new MapStateDescriptor<>("budget-spend", Types.STRING, Types.LONG));
    MapStateDescriptor<String, Boolean> countedDescriptor =
        new MapStateDescriptor<>("budget-counted-results", Types.STRING, Types.BOOLEAN);
    countedDescriptor.enableTimeToLive(StateTtlConfig.newBuilder(COUNTED_TTL).build());
    counted = getRuntimeContext().getMapState(countedDescriptor);
    heldCount = getRuntimeContext().getMetricGroup().counter("attemptsHeld");
    releasedCount = getRuntimeContext().getMetricGroup().counter("attemptsReleased");
  }

  @Override
  public void processElement(GateInput input, Context ctx, Collector<StepRequest> out)
      throws Exception {
    long now = ctx.timerService().currentProcessingTime();
    Store store = new Store(ctx.getCurrentKey());
    BudgetBook.Effects fx;
    if (input instanceof GateInput.Request r) {
      fx = book.onRequest(store, r.request(), now);
    } else if (input instanceof GateInput.Result r) {
      fx = book.onResult(store, r.result(), now);
    } else if (input instanceof GateInput.Budget b) {
      fx = book.onBudget(store, b.budget(), now);
    } else if (input instanceof GateInput.Grant g) {
      fx = book.onGrant(store, g.grant(), now);
    } else {
      fx = book.onMissionEnded(store, ((GateInput.MissionEnded) input).missionId(), now);
    }
    store.flush();
    apply(fx, ctx, out);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<StepRequest> out)
      throws Exception {
    Store store = new Store(ctx.getCurrentKey());
    BudgetBook.Effects fx =
        book.onTimer(store, Math.max(timestamp, ctx.timerService().currentProcessingTime()));
    store.flush();
    apply(fx, ctx, out);
  }

  private void apply(BudgetBook.Effects fx, Context ctx, Collector<StepRequest> out) {
    fx.released().forEach(out::collect);
    for (MissionControl signal : fx.signals()) {
      (MissionControl.BUDGET_HELD.equals(signal.command()) ? heldCount : releasedCount).inc();
      ctx.output(SIGNALS, signal);
    }
    fx.statuses().forEach(s -> ctx.output(STATUSES, s));
    fx.alerts().forEach(a -> ctx.output(ALERTS, a));
    fx.ledger().forEach(e -> ctx.output(LEDGER, e));
    for (long at : fx.timers()) {
      if (at < Long.MAX_VALUE) {
        ctx.timerService().registerProcessingTimeTimer(at);
      }
    }
  }

  /**
   * The current workspace's state: its value read once (from the cache when it can), written once
   * if changed.
   */
  private final class Store implements BudgetStore {
    private final String workspaceId;
    private BudgetBook.Value value;
    private Map<String, BudgetLedger> ledgerChanges;
    private WalletState walletChange;
    private int heldDelta;

    Store(String workspaceId) {
      this.workspaceId = workspaceId;
    }

    private BudgetBook.Value value() {
      if (value == null) {
        value = cache.get(workspaceId);
        if (value == null) {
          BudgetBook.Value stored = get(() -> books.value());
          value = stored == null ? BudgetBook.Value.EMPTY : stored;
          cache.put(workspaceId, value);
        }
      }
      return value;
    }

    /** Writes the value if this input changed it. */
    void flush() {
      if (ledgerChanges == null && walletChange == null && heldDelta == 0) {
        return;
      }
      BudgetBook.Value v = value();
      Map<String, BudgetLedger> next = v.ledgers();
      if (ledgerChanges != null) {
        next = new java.util.LinkedHashMap<>(v.ledgers());
        for (Map.Entry<String, BudgetLedger> e : ledgerChanges.entrySet()) {
          if (e.getValue() == null) {
            next.remove(e.getKey());
          } else {
            next.put(e.getKey(), e.getValue());
          }
        }
      }
      BudgetBook.Value updated =
          new BudgetBook.Value(
              next,
              walletChange != null ? walletChange : v.wallet(),
              Math.max(0, v.heldAttempts() + heldDelta));
      call(() -> books.update(updated));
      cache.put(workspaceId, updated);
      value = updated;
      ledgerChanges = null;
      walletChange = null;
      heldDelta = 0;
    }

    @Override
    public String workspaceId() {
      return workspaceId;
    }

    @Override
    public WalletState wallet() {
      return walletChange != null ? walletChange : value().wallet();
    }

    @Override
    public void putWallet(WalletState w) {
      walletChange = w;
    }

    @Override
    public Map<String, BudgetLedger> ledgers() {
      Map<String, BudgetLedger> all = new HashMap<>(value().ledgers());
      if (ledgerChanges != null) {
        ledgerChanges.forEach(
            (id, l) -> {
              if (l == null) {
                all.remove(id);
              } else {
                all.put(id, l);
              }
            });
      }
      return all;
    }

    @Override
    public void putLedger(BudgetLedger ledger) {
      changes().put(ledger.id(), ledger);
    }

    @Override
    public void removeLedger(String budgetId) {
      changes().put(budgetId, null);
    }

    private Map<String, BudgetLedger> changes() {
      if (ledgerChanges == null) {
        ledgerChanges = new HashMap<>();
      }
      return ledgerChanges;
    }

    @Override
    public Reservation reservation(String attemptId) {
      return get(() -> reservations.get(attemptId));
    }

    @Override
    public void putReservation(String attemptId, Reservation reservation) {
      call(() -> reservations.put(attemptId, reservation));
    }

    @Override
    public void removeReservation(String attemptId) {
      call(() -> reservations.remove(attemptId));
    }

    @Override
    public Map<String, Reservation> reservations() {
      return entries(reservations);
    }

    @Override
    public List<HeldAttempt> held() {
      if (value().heldAttempts() + heldDelta <= 0) {
        return List.of();
      }
      List<HeldAttempt> all = new ArrayList<>();
      call(() -> held.values().forEach(all::add));
      all.sort(Comparator.comparingLong(HeldAttempt::seq));
      return all;
    }

    @Override
    public void putHeld(HeldAttempt attempt) {
      call(() -> held.put(attempt.seq(), attempt));
      heldDelta++;
    }

    @Override
    public void removeHeld(long seq) {
      if (get(() -> held.contains(seq))) {
        call(() -> held.remove(seq));
        heldDelta--;
      }
    }

    @Override
    public long nextHeldSeq() {
      Long last = get(() -> heldSeq.value());
      long next = (last == null ? 0 : last) + 1;
      call(() -> heldSeq.update(next));
      return next;
    }

    @Override
    public Map<String, Long> spend() {
      return entries(spend);
    }

    @Override
    public void addSpend(String bucket, long micros) {
      Long was = get(() -> spend.get(bucket));
      call(() -> spend.put(bucket, Math.addExact(was == null ? 0 : was, micros)));
    }

    @Override
    public void removeSpend(String bucket) {
      call(() -> spend.remove(bucket));
    }

    @Override
    public boolean countOnce(String attemptId) {
      if (Boolean.TRUE.equals(get(() -> counted.get(attemptId)))) {
        return false;
      }
      call(() -> counted.put(attemptId, true));
      return true;
    }
  }

  private interface StateCall {
    void run() throws Exception;
  }

  private interface StateGet<T> {
    T get() throws Exception;
  }

  private static void call(StateCall c) {
    try {
      c.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("budget gate state", e);
    }
  }

  /** A copy of every entry of {@code state}. */
  private static <K, V> Map<K, V> entries(MapState<K, V> state) {
    Map<K, V> all = new HashMap<>();
    call(() -> state.entries().forEach(e -> all.put(e.getKey(), e.getValue())));
    return all;
  }

  private static <T> T get(StateGet<T> g) {
    try {
      return g.get();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("budget gate state", e);
    }
  }
}
