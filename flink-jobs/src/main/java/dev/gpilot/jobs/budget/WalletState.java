package dev.gpilot.jobs.budget;

import dev.gpilot.contracts.budget.GrantBalance;
import dev.gpilot.contracts.tenancy.WalletGrantRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A workspace's wallet as the gate holds it: its grants and what was drawn from each. Immutable.
 *
 * @param overdrawnMicros exact costs beyond every grant (an attempt that cost more than its
 *     reservation on a wallet near empty): owed, taken from the next grant
 */
public record WalletState(
    List<Grant> grants,
    long reservedMicros,
    long overdrawnMicros,
    long statusAt,
    boolean statusDue) {
  /**
   * The order costs are drawn in: lower priority first, then the grant expiring soonest, then the
   * oldest.
   */
  static final Comparator<Grant> DRAW_ORDER =
      Comparator.<Grant>comparingInt(g -> g.grant().priority())
          .thenComparingLong(
              g -> g.grant().expiresAt() == null ? Long.MAX_VALUE : g.grant().expiresAt())
          .thenComparingLong(g -> g.grant().effectiveAt())
          .thenComparing(g -> g.grant().grantId());

  /**
   * One grant and what has been drawn from it; {@code expiredMicros} what it had left when it
   * expired.
   */
  public record Grant(WalletGrantRecord grant, long consumedMicros, long expiredMicros) {
    long remaining() {
      return Math.max(0, grant.amountMicros() - consumedMicros - expiredMicros);
    }

    GrantBalance balance() {
      return new GrantBalance(
          grant.grantId(),
          grant.amountMicros(),
          consumedMicros,
          grant.effectiveAt(),
          grant.expiresAt(),
          grant.priority(),
          expiredMicros);
    }
  }

  public WalletState {
    grants = grants.stream().sorted(DRAW_ORDER).toList();
  }

  static final WalletState EMPTY = new WalletState(List.of(), 0, 0, 0, false);

  /** A wallet limits spending once the workspace has had a grant. */
  boolean active() {
    return !grants.isEmpty();
  }

  /** What grants in effect at {@code now} have left, less what is owed. */
  long balance(long now) {
    long balance = -overdrawnMicros;
    for (Grant g : grants) {
      if (g.grant().inEffect(now)) {
        balance += g.remaining();
      }
    }
    return balance;
  }

  boolean fits(long now, long worst) {
    return balance(now) - reservedMicros >= worst;
  }

  WalletState with(List<Grant> nextGrants, long reserved, long overdrawn) {
    return new WalletState(nextGrants, reserved, overdrawn, statusAt, true);
  }

  WalletState reserve(long micros) {
    return with(grants, Math.addExact(reservedMicros, micros), overdrawnMicros);
  }

  WalletState release(long micros) {
    return with(grants, Math.max(0, reservedMicros - micros), overdrawnMicros);
  }

  WalletState statusSent(long now) {
    return new WalletState(grants, reservedMicros, overdrawnMicros, now, false);
  }

  List<GrantBalance> balances() {
    List<GrantBalance> all = new ArrayList<>();
    grants.forEach(g -> all.add(g.balance()));
    return all;
  }
}
