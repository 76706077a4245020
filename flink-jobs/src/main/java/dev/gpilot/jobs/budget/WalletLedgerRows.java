package dev.gpilot.jobs.budget;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.budget.LedgerEntry;
import dev.gpilot.contracts.json.Json;

/** Maps a {@link LedgerEntry} to a row of the {@code wallet_ledger} table (V012). */
public final class WalletLedgerRows {
  public static final String TABLE = "wallet_ledger";

  private WalletLedgerRows() {}

  public static ObjectNode encode(LedgerEntry e) {
    ObjectNode row = Json.mapper().createObjectNode();
    row.put("workspace_id", e.workspaceId());
    row.put("entry_id", e.id());
    row.put("at", e.ts() / 1000);
    row.put("at_ms", e.ts());
    row.put("kind", e.kind());
    row.put("grant_id", orEmpty(e.grantId()));
    row.put("amount_micros", e.amountMicros());
    row.put("balance_micros", e.balanceMicros());
    row.put("mission_id", orEmpty(e.missionId()));
    row.put("step_id", orEmpty(e.stepId()));
    row.put("attempt", e.attempt());
    row.put("agent", orEmpty(e.agent()));
    row.put("model", orEmpty(e.model()));
    return row;
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
