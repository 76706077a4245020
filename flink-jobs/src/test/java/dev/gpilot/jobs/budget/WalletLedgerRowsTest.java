package dev.gpilot.jobs.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.budget.LedgerEntry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A wallet ledger line as the row ClickHouse's wallet_ledger (migration V012) takes. */
class WalletLedgerRowsTest {
  @Test
  void aRowFillsExactlyTheTablesColumns_withTheTimeInSecondsAndMilliseconds() throws Exception {
    LedgerEntry debit =
        new LedgerEntry(
            "debit/m-1/s1/2/g-1",
            "acme",
            1_764_000_123_456L,
            LedgerEntry.DEBIT,
            "g-1",
            -1_234,
            98_766,
            "m-1",
            "s1",
            2,
            "agent-scout",
            "gemini-2.5-flash");
    ObjectNode row = WalletLedgerRows.encode(debit);

    List<String> fields = new ArrayList<>();
    row.fieldNames().forEachRemaining(fields::add);
    assertThat(fields).containsExactlyInAnyOrderElementsOf(migrationColumns());
    assertThat(row.get("at").asLong()).isEqualTo(1_764_000_123L);
    assertThat(row.get("at_ms").asLong()).isEqualTo(1_764_000_123_456L);
    assertThat(row.get("amount_micros").asLong()).isEqualTo(-1_234);
    assertThat(row.get("balance_micros").asLong()).isEqualTo(98_766);
    assertThat(row.get("attempt").asInt()).isEqualTo(2);
  }

  @Test
  void aGrantsLine_hasEmptyTextsWhereNoAttemptIsInvolved() {
    LedgerEntry grant =
        new LedgerEntry(
            "grant/g-1",
            "acme",
            5_000,
            LedgerEntry.GRANT,
            "g-1",
            100_000,
            100_000,
            null,
            null,
            0,
            null,
            null);
    ObjectNode row = WalletLedgerRows.encode(grant);
    for (String column : List.of("mission_id", "step_id", "agent", "model")) {
      assertThat(row.get(column).asText()).as(column).isEmpty(); // String columns take no null
    }
    assertThat(row.get("kind").asText()).isEqualTo("grant");
  }

  private static List<String> migrationColumns() throws Exception {
    String sql;
    try (InputStream in =
        LedgerEntry.class
            .getClassLoader()
            .getResourceAsStream("clickhouse/migrations/V012__wallet_ledger.sql")) {
      sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String body = sql.substring(sql.indexOf("wallet_ledger ("), sql.indexOf(") ENGINE"));
    List<String> columns = new ArrayList<>();
    Matcher column = Pattern.compile("(?m)^\\s+([a-z_]+) [A-Z]").matcher(body);
    while (column.find()) {
      columns.add(column.group(1));
    }
    assertThat(columns).hasSizeGreaterThan(10);
    return columns;
  }
}
