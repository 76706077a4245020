package dev.gpilot.jobs.budget;

import dev.gpilot.contracts.budget.BudgetPeriod;
import dev.gpilot.contracts.budget.BudgetStatus;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.contracts.tenancy.BudgetRecord;
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
 * The budgets of one workspace, without Flink: {@code (store, input, now) → effects}. {@link BudgetGate} keys the
 * inputs by workspace, backs the store with Flink state and applies the effects.
 *
 * <p>Rules. An attempt's worst-case cost ({@link AttemptCostBound}) is reserved against every budget that covers it
 * (its agent and model), hard or soft, before it runs. If a hard budget cannot cover it — or another attempt already
 * waits for that budget (first come, first served) — the attempt is held: its mission is told
 * ({@link MissionControl#BUDGET_HELD}) and pauses. The attempt's result releases its reservation and adds its exact
 * cost to every budget that covers the model it ran on. Whenever room appears (a result, a raised or deleted budget,
 * a new period) held attempts leave in order, each only if every hard budget covering it fits it
 * ({@link MissionControl#BUDGET_RELEASED}). Held attempts of a mission that ended are dropped. A period that ends
 * starts the next with nothing spent (plus what it left, when the budget rolls over); reservations stay, their
 * attempts still run. Crossing 80 % and 100 % of a period's limit in exact spend is an alert, once per period and
 * threshold, hard or soft. A budget created or redefined mid-period starts with what the workspace already spent in
 * that period under its scope (the book keeps exact spend per UTC day, agent and model for {@value #KEEP_DAYS} days,
 * and in total).
 *
 * <p>Concurrent attempts therefore never overshoot a hard budget by more than their exact costs exceed their
 * reservations (zero when the bound holds), nor do attempts that started before the budget existed count against
 * it except through their spend.
 */
public final class BudgetBook {
  /** Days of per-day spend the book keeps: a month budget created on the last day of a 31-day month needs them. */
  public static final int KEEP_DAYS = 35;
  static final String ACTOR = "budget-gate";

  /** What the Flink layer does with one input's outcome. */
  public record Effects(List<StepRequest> released, List<MissionControl> signals, List<BudgetStatus> statuses,
      List<AuditEvent> alerts, List<Long> timers) {
    static Effects empty() {
      return new Effects(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
          new ArrayList<>());
    }
  }

  private final AttemptCostBound costBound;
  private final long statusIntervalMs;

  /** @param statusIntervalMs a budget's status goes out at most this often (changes in between are coalesced) */
  public BudgetBook(AttemptCostBound costBound, long statusIntervalMs) {
    this.costBound = costBound;
    this.statusIntervalMs = statusIntervalMs;
  }

  /** A step attempt the scheduler started: reserved and let through, or held. */
  public Effects onRequest(BudgetStore store, StepRequest request, long now) {
    Effects fx = Effects.empty();
    Map<String, BudgetLedger> ledgers = roll(store, now, fx);
    AttemptCostBound.Bound bound = costBound.bound(request, now);
    List<HeldAttempt> held = store.held();
    // A newer attempt of a step replaces its older held one (the scheduler timed that one out).
    for (HeldAttempt h : held) {
      if (h.request().missionId().equals(request.missionId()) && h.request().stepId().equals(request.stepId())) {
        store.removeHeld(h.seq());
      }
    }
    Set<String> waitedFor = new HashSet<>();
    for (HeldAttempt h : held) {
      waitedFor.add(h.budgetId());
    }
    BudgetLedger blocking = null;
    for (BudgetLedger l : ledgers.values()) {
      if (l.hard() && l.budget().covers(request.agent(), bound.model())
          && (waitedFor.contains(l.id()) || !l.fits(bound.worstMicros()))) {
        blocking = l;
        break;
      }
    }
    if (blocking == null) {
      admit(store, ledgers, request, bound, now, fx);
    } else {
      HeldAttempt h = new HeldAttempt(store.nextHeldSeq(), request, blocking.id(), bound.model(),
          bound.worstMicros(), now);
      store.putHeld(h);
      fx.signals().add(signal(MissionControl.BUDGET_HELD, request, blocking.id(), now, why(blocking, bound)));
      ledgers.put(blocking.id(), touch(blocking));
    }
    finish(store, ledgers, now, fx);
    return fx;
  }

  /** A finished attempt: its reservation goes, its exact cost counts. Repeats are ignored. */
  public Effects onResult(BudgetStore store, StepResult result, long now) {
    Effects fx = Effects.empty();
    String attemptId = result.missionId() + "/" + result.stepId() + "/" + result.attempt();
    if (!store.countOnce(attemptId)) {
      return fx;
    }
    Map<String, BudgetLedger> ledgers = roll(store, now, fx);
    Reservation r = store.reservation(attemptId);
    Set<String> reservedOn = new HashSet<>();
    if (r != null) {
      store.removeReservation(attemptId);
      for (String id : r.budgetIds()) {
        BudgetLedger l = ledgers.get(id);
        if (l != null) {
          ledgers.put(id, l.settle(r.amountMicros(), 0));
          reservedOn.add(id);
        }
      }
    }
    long cost = Math.max(0, result.costMicros());
    if (cost > 0) {
      String day = day(result.finishedAt() > 0 ? result.finishedAt() : now);
      store.addSpend(dayBucket(day, result.agent(), result.model()), cost);
      store.addSpend(totalBucket(result.agent(), result.model()), cost);
      for (BudgetLedger l : List.copyOf(ledgers.values())) {
        if (l.budget().covers(result.agent(), result.model())) {
          BudgetLedger settled = l.settle(0, cost);
          ledgers.put(l.id(), alert(settled, now, fx));
        }
      }
    }
    release(store, ledgers, now, fx);
    finish(store, ledgers, now, fx);
    return fx;
  }

  /** A budget created, changed or deleted (from the control plane). Older revisions than the one held are ignored. */
  public Effects onBudget(BudgetStore store, BudgetRecord budget, long now) {
    Effects fx = Effects.empty();
    Map<String, BudgetLedger> ledgers = roll(store, now, fx);
    BudgetLedger current = ledgers.get(budget.budgetId());
    if (current != null && current.budget().revision() >= budget.revision()) {
      return fx;
    }
    if (budget.deleted()) {
      if (current != null) {
        ledgers.remove(budget.budgetId());
        store.removeLedger(budget.budgetId());
        fx.statuses().add(new BudgetStatus(budget.workspaceId(), budget.budgetId(), budget.revision(), 0, 0, 0, 0, 0,
            0, true, now));
      }
    } else if (current != null && current.budget().period() == budget.period()
        && current.budget().resetDay() == budget.resetDay()) {
      ledgers.put(budget.budgetId(), alert(current.redefined(budget), now, fx));
    } else {
      BudgetLedger opened = BudgetLedger.open(budget, now, spentSince(store, budget, now),
          reservedUnder(store, budget));
      ledgers.put(budget.budgetId(), alert(opened, now, fx));
      fx.timers().add(opened.periodEnd());
    }
    release(store, ledgers, now, fx);
    finish(store, ledgers, now, fx);
    return fx;
  }

  /** A mission ended: its held attempts will never run. */
  public Effects onMissionEnded(BudgetStore store, String missionId, long now) {
    Effects fx = Effects.empty();
    boolean dropped = false;
    for (HeldAttempt h : store.held()) {
      if (h.request().missionId().equals(missionId)) {
        store.removeHeld(h.seq());
        dropped = true;
      }
    }
    if (dropped) {
      Map<String, BudgetLedger> ledgers = roll(store, now, fx);
      release(store, ledgers, now, fx);
      for (Map.Entry<String, BudgetLedger> e : ledgers.entrySet()) {
        ledgers.put(e.getKey(), touch(e.getValue()));
      }
      finish(store, ledgers, now, fx);
    }
    return fx;
  }

  /** A timer: periods that ended roll over (and may release held attempts); statuses held back go out. */
  public Effects onTimer(BudgetStore store, long now) {
    Effects fx = Effects.empty();
    Map<String, BudgetLedger> ledgers = roll(store, now, fx);
    release(store, ledgers, now, fx);
    String oldest = day(now - KEEP_DAYS * 86_400_000L);
    for (String bucket : store.spend().keySet()) {
      if (bucket.startsWith("day|") && bucket.substring(4, 14).compareTo(oldest) < 0) {
        store.removeSpend(bucket);
      }
    }
    finish(store, ledgers, now, fx);
    return fx;
  }

  private void admit(BudgetStore store, Map<String, BudgetLedger> ledgers, StepRequest request,
      AttemptCostBound.Bound bound, long now, Effects fx) {
    List<String> covering = new ArrayList<>();
    for (BudgetLedger l : List.copyOf(ledgers.values())) {
      if (l.budget().covers(request.agent(), bound.model())) {
        covering.add(l.id());
        ledgers.put(l.id(), l.reserve(bound.worstMicros()));
      }
    }
    if (!covering.isEmpty()) {
      store.putReservation(request.attemptId(), new Reservation(bound.worstMicros(), covering, now));
    }
    fx.released().add(request);
  }

  /** Lets held attempts go, in order, while the hard budgets covering each fit it. */
  private void release(BudgetStore store, Map<String, BudgetLedger> ledgers, long now, Effects fx) {
    Set<String> stillBlocked = new HashSet<>();
    for (HeldAttempt h : store.held()) {
      StepRequest request = h.request();
      BudgetLedger blocking = null;
      for (BudgetLedger l : ledgers.values()) {
        if (l.hard() && l.budget().covers(request.agent(), h.model())
            && (stillBlocked.contains(l.id()) || !l.fits(h.worstMicros()))) {
          blocking = l;
          break;
        }
      }
      if (blocking != null) {
        // First come, first served: nothing behind it may take what it waits for.
        stillBlocked.add(blocking.id());
        continue;
      }
      store.removeHeld(h.seq());
      admit(store, ledgers, request, new AttemptCostBound.Bound(h.model(), h.worstMicros()), now, fx);
      fx.signals().add(signal(MissionControl.BUDGET_RELEASED, request, h.budgetId(), now, null));
      BudgetLedger was = ledgers.get(h.budgetId());
      if (was != null) {
        ledgers.put(was.id(), touch(was));
      }
    }
  }

  /** The ledgers at {@code now}: periods that ended are rolled over (and stored). */
  private Map<String, BudgetLedger> roll(BudgetStore store, long now, Effects fx) {
    Map<String, BudgetLedger> ledgers = store.ledgers();
    for (Map.Entry<String, BudgetLedger> e : ledgers.entrySet()) {
      BudgetLedger rolled = e.getValue().at(now);
      if (rolled != e.getValue()) {
        e.setValue(rolled);
        fx.timers().add(rolled.periodEnd());
      }
    }
    return ledgers;
  }

  /** Stores what changed and sends the statuses that are due (or asks for a timer to send them later). */
  private void finish(BudgetStore store, Map<String, BudgetLedger> ledgers, long now, Effects fx) {
    Map<String, BudgetLedger> before = store.ledgers();
    Map<String, Integer> held = new java.util.HashMap<>();
    boolean counted = false;
    for (Map.Entry<String, BudgetLedger> e : ledgers.entrySet()) {
      BudgetLedger l = e.getValue();
      if (l.statusDue()) {
        if (now - l.statusAt() >= statusIntervalMs) {
          if (!counted) {
            for (HeldAttempt h : store.held()) {
              held.merge(h.budgetId(), 1, Integer::sum);
            }
            counted = true;
          }
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
        String id = "budget-alert/" + b.workspaceId() + "/" + b.budgetId() + "/" + l.periodStart() + "/" + percent;
        String target = "budget:" + b.budgetId() + " threshold=" + percent + " mode=" + b.mode().json()
            + " period=" + b.period().json() + " periodStart=" + Instant.ofEpochMilli(l.periodStart())
            + " limitMicros=" + l.limitMicros() + " spentMicros=" + l.spentMicros();
        fx.alerts().add(new AuditEvent(id, b.workspaceId(), now, AuditEvent.BUDGET_ALERT, ACTOR, "job", null, 0,
            b.revision(), null, AuditEvent.OK, null, null, null, 0, target));
      }
    }
    return due == 0 ? l : l.alerted(due);
  }

  private static BudgetLedger touch(BudgetLedger l) {
    return l.statusDue() ? l : new BudgetLedger(l.budget(), l.periodStart(), l.periodEnd(), l.limitMicros(),
        l.spentMicros(), l.reservedMicros(), l.alerted(), l.statusAt(), true);
  }

  /** What the workspace spent under {@code budget}'s scope since its period began. */
  private static long spentSince(BudgetStore store, BudgetRecord budget, long now) {
    boolean total = budget.period() == BudgetPeriod.TOTAL;
    String from = day(budget.period().start(now, budget.resetDay()));
    long spent = 0;
    for (Map.Entry<String, Long> e : store.spend().entrySet()) {
      String[] parts = e.getKey().split("\\|", -1);
      boolean match = total
          ? parts[0].equals("total") && budget.covers(parts[1], nullIfEmpty(parts[2]))
          : parts[0].equals("day") && parts[1].compareTo(from) >= 0
              && budget.covers(parts[2], nullIfEmpty(parts[3]));
      if (match) {
        spent = Math.addExact(spent, e.getValue());
      }
    }
    return spent;
  }

  private static long reservedUnder(BudgetStore store, BudgetRecord budget) {
    // Reservations of attempts started before the budget existed are not on it: their spend counts when they end.
    return 0;
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

  private static MissionControl signal(String command, StepRequest request, String budgetId, long now,
      String reason) {
    return new MissionControl(command, request.missionId(), request.workspaceId(), ACTOR, now, request.stepId(),
        request.attempt(), budgetId, reason);
  }

  private static String why(BudgetLedger l, AttemptCostBound.Bound bound) {
    BudgetRecord b = l.budget();
    return "budget '" + b.budgetId() + "' (" + b.mode().json() + ", " + b.period().json() + ") has "
        + Math.max(0, l.headroom()) + " of " + l.limitMicros() + " micro-credits left; step may cost up to "
        + bound.worstMicros();
  }
}
