package dev.gpilot.jobs.budget;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** A {@link BudgetStore} in memory: the budget book's tests. */
final class MemoryBudgetStore implements BudgetStore {
  final Map<String, BudgetLedger> ledgers = new HashMap<>();
  final Map<String, Reservation> reservations = new HashMap<>();
  final TreeMap<Long, HeldAttempt> held = new TreeMap<>();
  final Map<String, Long> spend = new HashMap<>();
  final Set<String> counted = new HashSet<>();
  long seq;
  WalletState wallet = WalletState.EMPTY;

  @Override
  public String workspaceId() {
    return "acme";
  }

  @Override
  public WalletState wallet() {
    return wallet;
  }

  @Override
  public void putWallet(WalletState w) {
    wallet = w;
  }

  @Override
  public Map<String, BudgetLedger> ledgers() {
    return new HashMap<>(ledgers);
  }

  @Override
  public void putLedger(BudgetLedger ledger) {
    ledgers.put(ledger.id(), ledger);
  }

  @Override
  public void removeLedger(String budgetId) {
    ledgers.remove(budgetId);
  }

  @Override
  public Reservation reservation(String attemptId) {
    return reservations.get(attemptId);
  }

  @Override
  public void putReservation(String attemptId, Reservation reservation) {
    reservations.put(attemptId, reservation);
  }

  @Override
  public void removeReservation(String attemptId) {
    reservations.remove(attemptId);
  }

  @Override
  public Map<String, Reservation> reservations() {
    return new HashMap<>(reservations);
  }

  @Override
  public List<HeldAttempt> held() {
    return new ArrayList<>(held.values());
  }

  @Override
  public void putHeld(HeldAttempt attempt) {
    held.put(attempt.seq(), attempt);
  }

  @Override
  public void removeHeld(long seq) {
    held.remove(seq);
  }

  @Override
  public long nextHeldSeq() {
    return ++seq;
  }

  @Override
  public Map<String, Long> spend() {
    return new HashMap<>(spend);
  }

  @Override
  public void addSpend(String bucket, long micros) {
    spend.merge(bucket, micros, Long::sum);
  }

  @Override
  public void removeSpend(String bucket) {
    spend.remove(bucket);
  }

  @Override
  public boolean countOnce(String attemptId) {
    return counted.add(attemptId);
  }
}
