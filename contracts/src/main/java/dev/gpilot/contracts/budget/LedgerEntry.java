package dev.gpilot.contracts.budget;

import java.util.Objects;

/**
 * One line of a workspace's wallet ledger, written by the MissionJob (ClickHouse {@code
 * wallet_ledger}): a grant's credit, a finished attempt's exact cost drawn from a grant (one line
 * per grant it drew from), or what a grant had left when it expired.
 *
 * @param id stable (a re-sent line collapses): {@code grant/<grantId>}, {@code
 *     debit/<attemptId>/<grantId>}, {@code expiry/<grantId>}
 * @param kind {@code grant}, {@code debit} or {@code expiry}
 * @param amountMicros credits in (+) or out (−)
 * @param balanceMicros the wallet's balance after this line (grants in effect, less what was drawn
 *     and lost)
 */
public record LedgerEntry(
    String id,
    String workspaceId,
    long ts,
    String kind,
    String grantId,
    long amountMicros,
    long balanceMicros,
    String missionId,
    String stepId,
    int attempt,
    String agent,
    String model) {
  public static final String GRANT = "grant";
  public static final String DEBIT = "debit";
  public static final String EXPIRY = "expiry";

  public LedgerEntry {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(kind, "kind");
  }
}
