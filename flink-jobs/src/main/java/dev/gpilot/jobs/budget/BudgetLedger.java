package dev.gpilot.jobs.budget;

import dev.gpilot.contracts.budget.BudgetMode;
import dev.gpilot.contracts.budget.BudgetStatus;
import dev.gpilot.contracts.tenancy.BudgetRecord;
import java.util.Objects;

/**
 * One budget as the gate holds it: its definition and where its current period stands. Immutable;
 * the gate keeps one per budget of the workspace.
 *
 * @param limitMicros this period's limit: the budget's, plus what the last period left when it
 *     rolls over
 * @param spentMicros exact cost of this period's finished attempts
 * @param reservedMicros worst-case cost of the attempts running now that fall under the budget
 * @param alerted thresholds already alerted this period: bit 0 for 80 %, bit 1 for 100 %
 * @param statusAt when the last status went out (epoch ms); {@code statusDue} whether a change is
 *     not yet out
 */
public record BudgetLedger(
    BudgetRecord budget,
    long periodStart,
    long periodEnd,
    long limitMicros,
    long spentMicros,
    long reservedMicros,
    int alerted,
    long statusAt,
    boolean statusDue) {
  static final int ALERT_80 = 1;
  static final int ALERT_100 = 2;

  public BudgetLedger {
    Objects.requireNonNull(budget, "budget");
  }

  /**
   * A new budget, or one whose period changed, at {@code now}: its period has spent {@code spent}
   * so far.
   */
  static BudgetLedger open(BudgetRecord budget, long now, long spent) {
    long start = budget.period().start(now, budget.resetDay());
    return new BudgetLedger(
        budget, start, budget.period().end(start), budget.limitMicros(), spent, 0, 0, 0, true);
  }

  boolean hard() {
    return budget.mode() == BudgetMode.HARD;
  }

  String id() {
    return budget.budgetId();
  }

  /** What is left to reserve; negative when spending went past the limit. */
  long headroom() {
    return limitMicros - spentMicros - reservedMicros;
  }

  /** Whether an attempt that may cost {@code worst} fits. */
  boolean fits(long worst) {
    return headroom() >= worst;
  }

  /**
   * The same budget with a new definition of the same period: its limit changes, what it spent
   * stays.
   */
  BudgetLedger redefined(BudgetRecord next) {
    long carry = limitMicros - budget.limitMicros();
    return new BudgetLedger(
        next,
        periodStart,
        periodEnd,
        next.limitMicros() + (next.rollover() ? carry : 0),
        spentMicros,
        reservedMicros,
        alerted,
        statusAt,
        true);
  }

  /**
   * The period that holds {@code now}: this one, or the next one with nothing spent (and, when the
   * budget rolls over, what this one left added to its limit). Reservations stay: their attempts
   * are still running.
   */
  BudgetLedger at(long now) {
    if (now < periodEnd) {
      return this;
    }
    long start = budget.period().start(now, budget.resetDay());
    long end = budget.period().end(start);
    boolean consecutive = start == periodEnd;
    long carry = budget.rollover() && consecutive ? Math.max(0, limitMicros - spentMicros) : 0;
    return new BudgetLedger(
        budget, start, end, budget.limitMicros() + carry, 0, reservedMicros, 0, statusAt, true);
  }

  BudgetLedger reserve(long micros) {
    return new BudgetLedger(
        budget,
        periodStart,
        periodEnd,
        limitMicros,
        spentMicros,
        Math.addExact(reservedMicros, micros),
        alerted,
        statusAt,
        true);
  }

  BudgetLedger settle(long reserved, long spent) {
    return new BudgetLedger(
        budget,
        periodStart,
        periodEnd,
        limitMicros,
        Math.addExact(spentMicros, spent),
        Math.max(0, reservedMicros - reserved),
        alerted,
        statusAt,
        true);
  }

  BudgetLedger alerted(int bits) {
    return new BudgetLedger(
        budget,
        periodStart,
        periodEnd,
        limitMicros,
        spentMicros,
        reservedMicros,
        alerted | bits,
        statusAt,
        statusDue);
  }

  BudgetLedger statusSent(long now) {
    return new BudgetLedger(
        budget,
        periodStart,
        periodEnd,
        limitMicros,
        spentMicros,
        reservedMicros,
        alerted,
        now,
        false);
  }

  BudgetStatus status(int held, long now) {
    return new BudgetStatus(
        budget.workspaceId(),
        budget.budgetId(),
        budget.revision(),
        periodStart,
        periodEnd,
        limitMicros,
        spentMicros,
        reservedMicros,
        held,
        false,
        now);
  }
}
