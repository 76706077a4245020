package dev.gpilot.jobs.budget;

import java.util.List;
import java.util.Map;

/**
 * What the budget gate keeps per workspace. {@link BudgetBook} reads and writes it; the Flink layer
 * backs it.
 */
public interface BudgetStore {
  /** The workspace whose state this is. */
  String workspaceId();

  /** Every budget of the workspace, by id (a copy: writing it changes nothing). */
  Map<String, BudgetLedger> ledgers();

  void putLedger(BudgetLedger ledger);

  void removeLedger(String budgetId);

  Reservation reservation(String attemptId);

  void putReservation(String attemptId, Reservation reservation);

  void removeReservation(String attemptId);

  /** Every running attempt's reservation, by attempt id (a copy). */
  Map<String, Reservation> reservations();

  /** The attempts waiting for a budget, in the order they came (a copy). */
  List<HeldAttempt> held();

  void putHeld(HeldAttempt held);

  void removeHeld(long seq);

  /** The next sequence number for a held attempt (1, 2, 3, …). */
  long nextHeldSeq();

  /**
   * Exact cost by {@link BudgetBook#dayBucket day bucket} and {@link BudgetBook#totalBucket total
   * bucket} (a copy).
   */
  Map<String, Long> spend();

  void addSpend(String bucket, long micros);

  void removeSpend(String bucket);

  /** The workspace's wallet ({@link WalletState#EMPTY} before its first grant). */
  WalletState wallet();

  void putWallet(WalletState wallet);

  /** Whether the attempt's result was counted already; marks it counted. */
  boolean countOnce(String attemptId);
}
