package dev.gpilot.jobs.budget;

import dev.gpilot.contracts.budget.BudgetPeriod;
import dev.gpilot.contracts.budget.BudgetStatus;
import dev.gpilot.contracts.budget.LedgerEntry;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.contracts.tenancy.BudgetRecord;
import dev.gpilot.contracts.tenancy.WalletGrantRecord;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.jobs.agents.StepRequest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The budgets of one workspace, without Flink: {@code (store, input, now) → effects}. {@link
 * BudgetGate} keys the inputs by workspace, backs the store with Flink state and applies the
 * effects.
 *
 * <p>Rules. An attempt's worst-case cost ({@link AttemptCostBound}) is reserved against every
 * budget that covers it (its agent and model), hard or soft, before it runs. If a hard budget
 * cannot cover it — or another attempt already waits for that budget (first come, first served) —
 * the attempt is held: its mission is told ({@link MissionControl#BUDGET_HELD}) and pauses. The
 * attempt's result releases its reservation and adds its exact cost to every budget that covers the
 * model it ran on. Whenever room appears (a result, a raised or deleted budget, a new period) held
 * attempts leave in order, each only if every hard budget covering it fits it ({@link
 * MissionControl#BUDGET_RELEASED}). Held attempts of a mission that ended are dropped. A period
 * that ends starts the next with nothing spent (plus what it left, when the budget rolls over);
 * reservations stay, their attempts still run. Crossing 80 % and 100 % of a period's limit in exact
 * spend is an alert, once per period and threshold, hard or soft. A budget created or redefined
 * mid-period starts with what the workspace already spent in that period under its scope (the book
 * keeps exact spend per UTC day, agent and model for {@value #KEEP_DAYS} days, and in total).
 *
 * <p>Concurrent attempts therefore never overshoot a hard budget by more than their exact costs
 * exceed their reservations (zero when the bound holds), nor do attempts that started before the
 * budget existed count against it except through their spend.
 */
public final class BudgetBook {
  /**
   * Days of per-day spend the book keeps: a month budget created on the last day of a 31-day month
   * needs them.
   */
  public static final int KEEP_DAYS = 35;

  static final String ACTOR = "budget-gate";

  /** What the Flink layer does with one input's outcome. */
  public record Effects(
      List<StepRequest> released,
      List<MissionControl> signals,
      List<BudgetStatus> statuses,
      List<AuditEvent> alerts,
      List<LedgerEntry> ledger,
      List<Long> timers) {
    static Effects empty() {
      return new Effects(
          new ArrayList<>(),
          new ArrayList<>(),
          new ArrayList<>(),
          new ArrayList<>(),
          new ArrayList<>(),
          new ArrayList<>());
    }
  }

  /**
   * What the gate keeps of a workspace in one value: its budgets' ledgers by id, its wallet, and
   * how many attempts wait (so an attempt need not look at the held ones when none wait).
   */
  public record Value(Map<String, BudgetLedger> ledgers, WalletState wallet, int heldAttempts) {
    static final Value EMPTY = new Value(Map.of(), WalletState.EMPTY, 0);

    public Value {
      ledgers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ledgers));
    }
  }

  private final AttemptCostBound costBound;
  private final long statusIntervalMs;

  /**
   * @param statusIntervalMs a budget's status goes out at most this often (changes in between are
   *     coalesced)
   */
  public BudgetBook(AttemptCostBound costBound, long statusIntervalMs) {
    this.costBound = costBound;
    this.statusIntervalMs = statusIntervalMs;
  }

  /** A step attempt the scheduler started: reserved and let through, or held. */
  public Effects onRequest(BudgetStore store, StepRequest request, long now) {
    Pass p = new Pass(store, now);
    AttemptCostBound.Bound bound = costBound.bound(request, now);
    List<HeldAttempt> held = store.held();
    // A newer attempt of a step replaces its older held one (the scheduler timed that one out).
    Set<String> waitedFor = new HashSet<>();
    for (HeldAttempt h : held) {
      if (h.request().missionId().equals(request.missionId())
          && h.request().stepId().equals(request.stepId())) {
        store.removeHeld(h.seq());
      } else {
        waitedFor.add(h.budgetId());
      }
    }
    String blocking = p.blocking(request.agent(), bound.model(), bound.worstMicros(), waitedFor);
    if (blocking == null) {
      p.admit(request, bound);
    } else {
      store.putHeld(
          new HeldAttempt(
              store.nextHeldSeq(), request, blocking, bound.model(), bound.worstMicros(), now));
      p.fx
          .signals()
          .add(signal(MissionControl.BUDGET_HELD, request, blocking, now, p.why(blocking, bound)));
      p.touch(blocking);
    }
    return p.finish();
  }

  /** A finished attempt: its reservation goes, its exact cost counts. Repeats are ignored. */
  public Effects onResult(BudgetStore store, StepResult result, long now) {
    String attemptId = result.missionId() + "/" + result.stepId() + "/" + result.attempt();
    if (!store.countOnce(attemptId)) {
      return Effects.empty();
    }
    Pass p = new Pass(store, now);
    Reservation r = store.reservation(attemptId);
    if (r != null) {
      store.removeReservation(attemptId);
      for (String id : r.budgetIds()) {
        if (id.equals(BudgetStatus.WALLET)) {
          p.wallet = p.wallet.release(r.amountMicros());
        } else {
          BudgetLedger l = p.ledgers.get(id);
          if (l != null) {
            p.ledgers.put(id, l.settle(r.amountMicros(), 0));
          }
        }
      }
    }
    long cost = Math.max(0, result.costMicros());
    if (cost > 0) {
      String day = day(result.finishedAt() > 0 ? result.finishedAt() : now);
      store.addSpend(dayBucket(day, result.agent(), result.model()), cost);
      store.addSpend(totalBucket(result.agent(), result.model()), cost);
      for (BudgetLedger l : List.copyOf(p.ledgers.values())) {
        if (l.budget().covers(result.agent(), result.model())) {
          p.ledgers.put(l.id(), alert(l.settle(0, cost), now, p.fx));
        }
      }
      if (p.wallet.active()) {
        p.draw(result, cost);
      }
    }
    p.release();
    return p.finish();
  }

  /**
   * A budget created, changed or deleted (from the control plane). Older revisions than the one
   * held are ignored.
   */
  public Effects onBudget(BudgetStore store, BudgetRecord budget, long now) {
    Pass p = new Pass(store, now);
    BudgetLedger current = p.ledgers.get(budget.budgetId());
    if (current != null && current.budget().revision() >= budget.revision()) {
      return p.fx;
    }
    if (budget.deleted()) {
      if (current != null) {
        p.ledgers.remove(budget.budgetId());
        store.removeLedger(budget.budgetId());
        p.fx
            .statuses()
            .add(
                new BudgetStatus(
                    budget.workspaceId(),
                    budget.budgetId(),
                    budget.revision(),
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    true,
                    now));
      }
    } else if (current != null
        && current.budget().period() == budget.period()
        && current.budget().resetDay() == budget.resetDay()) {
      p.ledgers.put(budget.budgetId(), alert(current.redefined(budget), now, p.fx));
    } else {
      BudgetLedger opened = BudgetLedger.open(budget, now, spentSince(store, budget, now));
      p.ledgers.put(budget.budgetId(), alert(opened, now, p.fx));
      p.fx.timers().add(opened.periodEnd());
    }
    p.release();
    return p.finish();
  }

  /**
   * A wallet grant created or changed (from the control plane): credited, and held attempts may go.
   */
  public Effects onGrant(BudgetStore store, WalletGrantRecord grant, long now) {
    Pass p = new Pass(store, now);
    List<WalletState.Grant> grants = new ArrayList<>(p.wallet.grants());
    WalletState.Grant current = null;
    for (WalletState.Grant g : grants) {
      if (g.grant().grantId().equals(grant.grantId())) {
        current = g;
      }
    }
    if (current != null && current.grant().revision() >= grant.revision()) {
      return p.fx;
    }
    if (current != null) {
      grants.remove(current);
      grants.add(new WalletState.Grant(grant, current.consumedMicros(), current.expiredMicros()));
    } else {
      grants.add(new WalletState.Grant(grant, 0, 0));
    }
    p.wallet = p.wallet.with(grants, p.wallet.reservedMicros(), p.wallet.overdrawnMicros());
    if (current == null) {
      // What was owed is taken from the new credit first.
      p.repay();
      p.ledger(
          "grant/" + grant.grantId(),
          LedgerEntry.GRANT,
          grant.grantId(),
          grant.amountMicros(),
          null);
    }
    if (grant.effectiveAt() > now) {
      p.fx.timers().add(grant.effectiveAt());
    }
    if (grant.expiresAt() != null) {
      p.fx.timers().add(grant.expiresAt());
    }
    p.release();
    return p.finish();
  }

  /** A mission ended: its held attempts will never run. */
  public Effects onMissionEnded(BudgetStore store, String missionId, long now) {
    boolean dropped = false;
    for (HeldAttempt h : store.held()) {
      if (h.request().missionId().equals(missionId)) {
        store.removeHeld(h.seq());
        dropped = true;
      }
    }
    if (!dropped) {
      return Effects.empty();
    }
    Pass p = new Pass(store, now);
    p.release();
    p.ledgers.replaceAll((id, l) -> touch(l));
    p.walletDue = true;
    return p.finish();
  }

  /**
   * A timer: periods that ended roll over, grants that expired lose what they had left, grants that
   * took effect count; held attempts may go; statuses held back go out.
   */
  public Effects onTimer(BudgetStore store, long now) {
    Pass p = new Pass(store, now);
    p.expire();
    p.release();
    String oldest = day(now - KEEP_DAYS * 86_400_000L);
    for (String bucket : store.spend().keySet()) {
      if (bucket.startsWith("day|") && bucket.substring(4, 14).compareTo(oldest) < 0) {
        store.removeSpend(bucket);
      }
    }
    return p.finish();
  }

  /**
   * One input's work on one workspace: the ledgers and wallet it read (periods rolled to now), and
   * its effects.
   */
  private final class Pass {
    final BudgetStore store;
    final long now;
    final Effects fx = Effects.empty();
    final Map<String, BudgetLedger> before;
    final Map<String, BudgetLedger> ledgers;
    final WalletState walletBefore;
    WalletState wallet;
    boolean walletDue;

    Pass(BudgetStore store, long now) {
      this.store = store;
      this.now = now;
      this.before = store.ledgers();
      this.ledgers = new java.util.HashMap<>(before);
      for (Map.Entry<String, BudgetLedger> e : ledgers.entrySet()) {
        BudgetLedger rolled = e.getValue().at(now);
        if (rolled != e.getValue()) {
          e.setValue(rolled);
          fx.timers().add(rolled.periodEnd());
        }
      }
      this.walletBefore = store.wallet();
      this.wallet = walletBefore;
    }

    /**
     * The first hard limit covering an attempt that cannot take it now (or that others wait for),
     * or null.
     */
    String blocking(String agent, String model, long worst, Set<String> waitedFor) {
      for (BudgetLedger l : ledgers.values()) {
        if (l.hard()
            && l.budget().covers(agent, model)
            && (waitedFor.contains(l.id()) || !l.fits(worst))) {
          return l.id();
        }
      }
      if (wallet.active()
          && (waitedFor.contains(BudgetStatus.WALLET) || !wallet.fits(now, worst))) {
        return BudgetStatus.WALLET;
      }
      return null;
    }

    void admit(StepRequest request, AttemptCostBound.Bound bound) {
      List<String> covering = new ArrayList<>();
      for (BudgetLedger l : List.copyOf(ledgers.values())) {
        if (l.budget().covers(request.agent(), bound.model())) {
          covering.add(l.id());
          ledgers.put(l.id(), l.reserve(bound.worstMicros()));
        }
      }
      if (wallet.active()) {
        covering.add(BudgetStatus.WALLET);
        wallet = wallet.reserve(bound.worstMicros());
      }
      if (!covering.isEmpty()) {
        store.putReservation(
            request.attemptId(), new Reservation(bound.worstMicros(), covering, now));
      }
      fx.released().add(request);
    }

    /** Lets held attempts go, in order, while every hard limit covering each fits it. */
    void release() {
      Set<String> stillBlocked = new HashSet<>();
      for (HeldAttempt h : store.held()) {
        String blocking = blocking(h.request().agent(), h.model(), h.worstMicros(), stillBlocked);
        if (blocking != null) {
          // First come, first served: nothing behind it may take what it waits for.
          stillBlocked.add(blocking);
          continue;
        }
        store.removeHeld(h.seq());
        admit(h.request(), new AttemptCostBound.Bound(h.model(), h.worstMicros()));
        fx.signals()
            .add(signal(MissionControl.BUDGET_RELEASED, h.request(), h.budgetId(), now, null));
        touch(h.budgetId());
      }
    }

    /** Draws an exact cost from the grants in effect, in draw order; what none covers is owed. */
    void draw(StepResult result, long cost) {
      List<WalletState.Grant> grants = new ArrayList<>(wallet.grants());
      long left = cost;
      String attemptId = result.missionId() + "/" + result.stepId() + "/" + result.attempt();
      for (int i = 0; i < grants.size() && left > 0; i++) {
        WalletState.Grant g = grants.get(i);
        if (!g.grant().inEffect(now) || g.remaining() == 0) {
          continue;
        }
        long take = Math.min(left, g.remaining());
        grants.set(
            i, new WalletState.Grant(g.grant(), g.consumedMicros() + take, g.expiredMicros()));
        left -= take;
        wallet = wallet.with(grants, wallet.reservedMicros(), wallet.overdrawnMicros());
        ledger(
            "debit/" + attemptId + "/" + g.grant().grantId(),
            LedgerEntry.DEBIT,
            g.grant().grantId(),
            -take,
            result);
      }
      if (left > 0) {
        wallet = wallet.with(grants, wallet.reservedMicros(), wallet.overdrawnMicros() + left);
        ledger("debit/" + attemptId + "/", LedgerEntry.DEBIT, "", -left, result);
      }
    }

    /** A new grant pays what is owed first. */
    void repay() {
      List<WalletState.Grant> grants = new ArrayList<>(wallet.grants());
      long owed = wallet.overdrawnMicros();
      for (int i = 0; i < grants.size() && owed > 0; i++) {
        WalletState.Grant g = grants.get(i);
        if (g.grant().inEffect(now) && g.remaining() > 0) {
          long take = Math.min(owed, g.remaining());
          grants.set(
              i, new WalletState.Grant(g.grant(), g.consumedMicros() + take, g.expiredMicros()));
          owed -= take;
        }
      }
      wallet = wallet.with(grants, wallet.reservedMicros(), owed);
    }

    /** Grants past their expiry lose what they had left (a ledger line each, once). */
    void expire() {
      List<WalletState.Grant> grants = new ArrayList<>(wallet.grants());
      boolean changed = false;
      for (int i = 0; i < grants.size(); i++) {
        WalletState.Grant g = grants.get(i);
        Long expires = g.grant().expiresAt();
        if (expires != null && expires <= now && g.expiredMicros() == 0 && g.remaining() > 0) {
          long lost = g.remaining();
          grants.set(i, new WalletState.Grant(g.grant(), g.consumedMicros(), lost));
          changed = true;
          wallet = wallet.with(grants, wallet.reservedMicros(), wallet.overdrawnMicros());
          ledger(
              "expiry/" + g.grant().grantId(),
              LedgerEntry.EXPIRY,
              g.grant().grantId(),
              -lost,
              null);
        }
      }
      if (changed) {
        walletDue = true;
      }
    }

    void ledger(String id, String kind, String grantId, long amount, StepResult result) {
      fx.ledger()
          .add(
              new LedgerEntry(
                  id,
                  store.workspaceId(),
                  now,
                  kind,
                  grantId,
                  amount,
                  wallet.balance(now),
                  result == null ? null : result.missionId(),
                  result == null ? null : result.stepId(),
                  result == null ? 0 : result.attempt(),
                  result == null ? null : result.agent(),
                  result == null ? null : result.model()));
    }

    void touch(String id) {
      if (id.equals(BudgetStatus.WALLET)) {
        walletDue = true;
      } else {
        BudgetLedger l = ledgers.get(id);
        if (l != null) {
          ledgers.put(id, BudgetBook.touch(l));
        }
      }
    }

    String why(String id, AttemptCostBound.Bound bound) {
      if (id.equals(BudgetStatus.WALLET)) {
        return "the wallet has "
            + Math.max(0, wallet.balance(now) - wallet.reservedMicros())
            + " micro-credits available; step may cost up to "
            + bound.worstMicros();
      }
      return BudgetBook.why(ledgers.get(id), bound);
    }

    /**
     * Stores what changed and sends the statuses that are due (or asks for a timer to send them
     * later).
     */
    Effects finish() {
      Map<String, Integer> held = null;
      for (Map.Entry<String, BudgetLedger> e : ledgers.entrySet()) {
        BudgetLedger l = e.getValue();
        if (l.statusDue()) {
          if (now - l.statusAt() >= statusIntervalMs) {
            held = held == null ? heldCounts() : held;
            fx.statuses().add(l.status(held.getOrDefault(l.id(), 0), now));
            l = l.statusSent(now);
          } else {
            fx.timers().add(l.statusAt() + statusIntervalMs);
          }
        }
        if (!l.equals(before.get(e.getKey()))) {
          store.putLedger(l);
        }
      }
      if (wallet.active()) {
        if (walletDue && !wallet.statusDue()) {
          wallet =
              new WalletState(
                  wallet.grants(),
                  wallet.reservedMicros(),
                  wallet.overdrawnMicros(),
                  wallet.statusAt(),
                  true);
        }
        if (wallet.statusDue()) {
          if (now - wallet.statusAt() >= statusIntervalMs) {
            held = held == null ? heldCounts() : held;
            long granted = 0;
            long drawn = 0;
            for (WalletState.Grant g : wallet.grants()) {
              granted += g.grant().amountMicros();
              drawn += g.consumedMicros();
            }
            fx.statuses()
                .add(
                    new BudgetStatus(
                        store.workspaceId(),
                        BudgetStatus.WALLET,
                        0,
                        0,
                        Long.MAX_VALUE,
                        granted,
                        drawn + wallet.overdrawnMicros(),
                        wallet.reservedMicros(),
                        held.getOrDefault(BudgetStatus.WALLET, 0),
                        false,
                        now,
                        wallet.balances()));
            wallet = wallet.statusSent(now);
          } else {
            fx.timers().add(wallet.statusAt() + statusIntervalMs);
          }
        }
        if (!wallet.equals(walletBefore)) {
          store.putWallet(wallet);
        }
      }
      return fx;
    }

    private Map<String, Integer> heldCounts() {
      Map<String, Integer> counts = new java.util.HashMap<>();
      for (HeldAttempt h : store.held()) {
        counts.merge(h.budgetId(), 1, Integer::sum);
      }
      return counts;
    }
  }

  /** Alerts for the thresholds {@code l}'s exact spend crossed this period, once each. */
  private static BudgetLedger alert(BudgetLedger l, long now, Effects fx) {
    if (l.limitMicros() <= 0 && l.spentMicros() <= 0) {
      return l;
    }
    int due = 0;
    // spent ≥ 80 % of limit, in integers: 5 × spent ≥ 4 × limit.
    if ((l.alerted() & BudgetLedger.ALERT_80) == 0
        && Math.multiplyExact(5, l.spentMicros()) >= Math.multiplyExact(4, l.limitMicros())) {
      due |= BudgetLedger.ALERT_80;
    }
    if ((l.alerted() & BudgetLedger.ALERT_100) == 0 && l.spentMicros() >= l.limitMicros()) {
      due |= BudgetLedger.ALERT_100;
    }
    for (int bit : new int[] {BudgetLedger.ALERT_80, BudgetLedger.ALERT_100}) {
      if ((due & bit) != 0) {
        int percent = bit == BudgetLedger.ALERT_80 ? 80 : 100;
        BudgetRecord b = l.budget();
        String id =
            "budget-alert/"
                + b.workspaceId()
                + "/"
                + b.budgetId()
                + "/"
                + l.periodStart()
                + "/"
                + percent;
        String target =
            "budget:"
                + b.budgetId()
                + " threshold="
                + percent
                + " mode="
                + b.mode().json()
                + " period="
                + b.period().json()
                + " periodStart="
                + Instant.ofEpochMilli(l.periodStart())
                + " limitMicros="
                + l.limitMicros()
                + " spentMicros="
                + l.spentMicros();
        fx.alerts()
            .add(
                new AuditEvent(
                    id,
                    b.workspaceId(),
                    now,
                    AuditEvent.BUDGET_ALERT,
                    ACTOR,
                    "job",
                    null,
                    0,
                    b.revision(),
                    null,
                    AuditEvent.OK,
                    null,
                    null,
                    null,
                    0,
                    target));
      }
    }
    return due == 0 ? l : l.alerted(due);
  }

  private static BudgetLedger touch(BudgetLedger l) {
    return l.statusDue()
        ? l
        : new BudgetLedger(
            l.budget(),
            l.periodStart(),
            l.periodEnd(),
            l.limitMicros(),
            l.spentMicros(),
            l.reservedMicros(),
            l.alerted(),
            l.statusAt(),
            true);
  }

  /** What the workspace spent under {@code budget}'s scope since its period began. */
  private static long spentSince(BudgetStore store, BudgetRecord budget, long now) {
    boolean total = budget.period() == BudgetPeriod.TOTAL;
    String from = day(budget.period().start(now, budget.resetDay()));
    long spent = 0;
    for (Map.Entry<String, Long> e : store.spend().entrySet()) {
      String[] parts = e.getKey().split("\\|", -1);
      boolean match =
          total
              ? parts[0].equals("total") && budget.covers(parts[1], nullIfEmpty(parts[2]))
              : parts[0].equals("day")
                  && parts[1].compareTo(from) >= 0
                  && budget.covers(parts[2], nullIfEmpty(parts[3]));
      if (match) {
        spent = Math.addExact(spent, e.getValue());
      }
    }
    return spent;
  }

  static String dayBucket(String day, String agent, String model) {
    return "day|" + day + "|" + agent + "|" + (model == null ? "" : model);
  }

  static String totalBucket(String agent, String model) {
    return "total|" + agent + "|" + (model == null ? "" : model);
  }

  private static String day(long at) {
    return LocalDate.ofInstant(Instant.ofEpochMilli(at), ZoneOffset.UTC).toString();
  }

  private static String nullIfEmpty(String s) {
    return s.isEmpty() ? null : s;
  }

  private static MissionControl signal(
      String command, StepRequest request, String budgetId, long now, String reason) {
    return new MissionControl(
        command,
        request.missionId(),
        request.workspaceId(),
        ACTOR,
        now,
        request.stepId(),
        request.attempt(),
        budgetId,
        reason);
  }

  static String why(BudgetLedger l, AttemptCostBound.Bound bound) {
    BudgetRecord b = l.budget();
    return "budget '"
        + b.budgetId()
        + "' ("
        + b.mode().json()
        + ", "
        + b.period().json()
        + ") has "
        + Math.max(0, l.headroom())
        + " of "
        + l.limitMicros()
        + " micro-credits left; step may cost up to "
        + bound.worstMicros();
  }
}
