package dev.gpilot.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a migration file is cut into the statements ClickHouse takes one per request. */
class ClickHouseMigrationsTest {
  @Test
  void aFile_isCutAtSemicolonsEndingALine_withoutCommentLines() {
    String sql =
        """
        -- a comment; with a semicolon
        CREATE TABLE a (
          x String DEFAULT 'a;b' -- a trailing comment stays
        ) ENGINE = Memory;
          -- an indented comment
        ALTER TABLE a ADD COLUMN y UInt8;

        INSERT INTO a (x) VALUES ('last, without semicolon')
        """;
    assertThat(ClickHouseMigrations.statements(sql))
        .containsExactly(
            "CREATE TABLE a (\n  x String DEFAULT 'a;b' -- a trailing comment stays\n) ENGINE = Memory",
            "ALTER TABLE a ADD COLUMN y UInt8",
            "INSERT INTO a (x) VALUES ('last, without semicolon')");
  }

  @Test
  void aFileOfCommentsAndBlankLines_hasNoStatements() {
    assertThat(ClickHouseMigrations.statements("-- nothing yet\n\n   \n")).isEmpty();
  }
}
