package dev.gpilot.jobs.budget;

import java.util.List;

/**
 * The worst-case cost of a running attempt, held against every budget it falls under until its
 * result replaces it with the exact cost.
 */
public record Reservation(long amountMicros, List<String> budgetIds, long reservedAt) {
  public Reservation {
    budgetIds = List.copyOf(budgetIds);
  }
}
