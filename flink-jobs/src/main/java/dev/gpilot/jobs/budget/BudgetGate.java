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
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The budget gate: the thin Flink layer over {@link BudgetBook}, keyed by workspace. Step attempts the scheduler
 * starts pass through it on their way to the agent executor (main output), or wait in its state; its signals to the
 * missions ({@link #SIGNALS}), budget and wallet statuses ({@link #STATUSES}), alerts ({@link #ALERTS}) and wallet
 * ledger lines ({@link #LEDGER}) leave by side outputs.
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
  private transient MapState<String, BudgetLedger> ledgers;
  private transient MapState<String, Reservation> reservations;
  private transient MapState<Long, HeldAttempt> held;
  private transient ValueState<Long> heldSeq;
  private transient MapState<String, Long> spend;
  private transient MapState<String, Boolean> counted;
  private transient ValueState<WalletState> wallet;
  private transient Counter heldCount;
  private transient Counter releasedCount;

  public BudgetGate(AttemptCostBound costBound, long statusIntervalMs) {
    this.costBound = costBound;
    this.statusIntervalMs = statusIntervalMs;
  }

  @Override
  public void open(OpenContext openContext) {
    book = new BudgetBook(costBound, statusIntervalMs);
    ledgers = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("budget-ledgers", Types.STRING, JsonTypeInfo.of(BudgetLedger.class)));
    reservations = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("budget-reservations", Types.STRING, JsonTypeInfo.of(Reservation.class)));
    held = getRuntimeContext().getMapState(
        new MapStateDescriptor<>("budget-held", Types.LONG, JsonTypeInfo.of(HeldAttempt.class)));
    heldSeq = getRuntimeContext().getState(new ValueStateDescriptor<>("budget-held-seq", Types.LONG));
    spend = getRuntimeContext().getMapState(new MapStateDescriptor<>("budget-spend", Types.STRING, Types.LONG));
    MapStateDescriptor<String, Boolean> countedDescriptor =
        new MapStateDescriptor<>("budget-counted-results", Types.STRING, Types.BOOLEAN);
    countedDescriptor.enableTimeToLive(StateTtlConfig.newBuilder(COUNTED_TTL).build());
    counted = getRuntimeContext().getMapState(countedDescriptor);
    wallet = getRuntimeContext().getState(
        new ValueStateDescriptor<>("budget-wallet", JsonTypeInfo.of(WalletState.class)));
    heldCount = getRuntimeContext().getMetricGroup().counter("attemptsHeld");
    releasedCount = getRuntimeContext().getMetricGroup().counter("attemptsReleased");
  }

  @Override
  public void processElement(GateInput input, Context ctx, Collector<StepRequest> out) throws Exception {
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
    apply(fx, ctx, out);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<StepRequest> out) throws Exception {
    apply(book.onTimer(new Store(ctx.getCurrentKey()), Math.max(timestamp, ctx.timerService().currentProcessingTime())), ctx, out);
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

  /** The current workspace's state. */
  private final class Store implements BudgetStore {
    private final String workspaceId;

    Store(String workspaceId) {
      this.workspaceId = workspaceId;
    }

    @Override
    public String workspaceId() {
      return workspaceId;
    }

    @Override
    public WalletState wallet() {
      WalletState w = get(() -> wallet.value());
      return w == null ? WalletState.EMPTY : w;
    }

    @Override
    public void putWallet(WalletState w) {
      call(() -> wallet.update(w));
    }

    @Override
    public Map<String, BudgetLedger> ledgers() {
      Map<String, BudgetLedger> all = new HashMap<>();
      call(() -> ledgers.entries().forEach(e -> all.put(e.getKey(), e.getValue())));
      return all;
    }

    @Override
    public void putLedger(BudgetLedger ledger) {
      call(() -> ledgers.put(ledger.id(), ledger));
    }

    @Override
    public void removeLedger(String budgetId) {
      call(() -> ledgers.remove(budgetId));
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
      Map<String, Reservation> all = new HashMap<>();
      call(() -> reservations.entries().forEach(e -> all.put(e.getKey(), e.getValue())));
      return all;
    }

    @Override
    public List<HeldAttempt> held() {
      List<HeldAttempt> all = new ArrayList<>();
      call(() -> held.values().forEach(all::add));
      all.sort(Comparator.comparingLong(HeldAttempt::seq));
      return all;
    }

    @Override
    public void putHeld(HeldAttempt attempt) {
      call(() -> held.put(attempt.seq(), attempt));
    }

    @Override
    public void removeHeld(long seq) {
      call(() -> held.remove(seq));
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
      Map<String, Long> all = new HashMap<>();
      call(() -> spend.entries().forEach(e -> all.put(e.getKey(), e.getValue())));
      return all;
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
