package dev.gpilot.clickhouse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the versioned schema in {@code clickhouse/migrations/} (listed, in order, in {@code
 * migrations.txt}).
 *
 * <p>Every statement is idempotent ({@code IF NOT EXISTS}), so the job and any number of API
 * instances may apply the migrations at start-up concurrently; {@code schema_migrations} records
 * what was applied when.
 */
public final class ClickHouseMigrations {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseMigrations.class);
  private static final String DIR = "clickhouse/migrations/";

  private ClickHouseMigrations() {}

  /** Creates the client's database if missing and brings its schema up to date. */
  public static void apply(ClickHouseClient client) {
    String database = client.database();
    client.withDatabase(null).execute("CREATE DATABASE IF NOT EXISTS " + database);
    client.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime)"
            + " ENGINE = ReplacingMergeTree ORDER BY version");
    List<Long> applied =
        client.query("SELECT version FROM schema_migrations").stream()
            .map(r -> r.get("version").asLong())
            .toList();
    for (String file :
        resource(DIR + "migrations.txt")
            .lines()
            .map(String::strip)
            .filter(l -> !l.isEmpty())
            .toList()) {
      long version = Long.parseLong(file.substring(1, file.indexOf("__")));
      if (applied.contains(version)) {
        continue;
      }
      for (String statement : statements(resource(DIR + file))) {
        execute(client, statement);
      }
      client.execute(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES ("
              + version
              + ", '"
              + file.replace("'", "")
              + "', now())");
      LOG.info("applied ClickHouse migration {} to database {}", file, database);
    }
  }

  /**
   * Runs one migration statement. 18.16 has no {@code ADD COLUMN IF NOT EXISTS}: an {@code ADD
   * COLUMN} whose column already exists (another process applied the migration first) counts as
   * done.
   */
  private static void execute(ClickHouseClient client, String statement) {
    try {
      client.execute(statement);
    } catch (ClickHouseException e) {
      boolean addColumn = statement.toUpperCase(Locale.ROOT).contains("ADD COLUMN");
      if (!addColumn || e.getMessage() == null || !e.getMessage().contains("already exists")) {
        throw e;
      }
      LOG.debug("column already there, skipping: {}", statement);
    }
  }

  static List<String> statements(String sql) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : sql.split("\n")) {
      if (line.strip().startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      if (line.strip().endsWith(";")) {
        String statement = current.toString().strip();
        statements.add(statement.substring(0, statement.length() - 1));
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      statements.add(current.toString().strip());
    }
    return statements;
  }

  private static String resource(String path) {
    try (InputStream in = ClickHouseMigrations.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
