package dev.gpilot.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.Sha256;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The price versions that replays wrote (SPEC.md section 8, Replays), in ClickHouse's {@code
 * price_versions}: each version's cost rows live in two tables of their own, copies of {@code
 * cost_records} and {@code cost_rollup_1m}, so a replay never touches the live rows and a version
 * goes with {@code DROP TABLE}.
 *
 * <p>Why tables per version and not a column: the cost tables are {@code ReplacingMergeTree}s whose
 * sorting key decides which rows replace each other, and ClickHouse 18.16 cannot add a column to a
 * sorting key; a {@code price_version} column outside the key would let a replayed row replace the
 * live one.
 */
public final class PriceVersions {
  public static final String TABLE = "price_versions";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:+@-]{0,99}");

  /** One replayed version: where its rows are, what priced them, what range it covers. */
  public record Entry(
      String version,
      String rawTable,
      String rollupTable,
      long createdAtMs,
      long updatedAtMs,
      String prices,
      long fromMs,
      long toMs,
      long records) {}

  private PriceVersions() {}

  /**
   * Whether {@code version} is a usable name: letters, digits and {@code . _ : + @ -}, at most 100.
   */
  public static boolean validName(String version) {
    return version != null && NAME.matcher(version).matches();
  }

  /**
   * The raw table of {@code version} (a name derived from its hash: any version name makes a valid
   * table name).
   */
  public static String rawTable(String version) {
    return "cost_records_p" + suffix(version);
  }

  /** The rollup table of {@code version}. */
  public static String rollupTable(String version) {
    return "cost_rollup_1m_p" + suffix(version);
  }

  private static String suffix(String version) {
    if (!validName(version)) {
      throw new IllegalArgumentException(
          "a price version is 1-100 letters, digits or . _ : + @ -, got '" + version + "'");
    }
    return Sha256.hex(version).substring(0, 16);
  }

  /**
   * Creates the version's tables (copies of the live ones, empty) when missing, with its coarser
   * rollups and the view that notes which hours took rows ({@link RollupLevels}); the schema must
   * be migrated.
   */
  public static void createTables(ClickHouseClient client, String version) {
    client.execute("CREATE TABLE IF NOT EXISTS " + rawTable(version) + " AS cost_records");
    client.execute("CREATE TABLE IF NOT EXISTS " + rollupTable(version) + " AS cost_rollup_1m");
    RollupLevels levels = RollupLevels.of(rollupTable(version));
    if (levels.create(client)) {
      levels.touchAll(client); // rows a replay wrote before the view existed (an older version)
    }
  }

  /**
   * Records (or widens) the version after a replay: its range becomes the union of what replays
   * covered, its prices the last replay's.
   */
  public static Entry record(
      ClickHouseClient client,
      String version,
      String prices,
      long fromMs,
      long toMs,
      long records,
      long nowMs) {
    Optional<Entry> old = find(client, version);
    Entry entry =
        new Entry(
            version,
            rawTable(version),
            rollupTable(version),
            old.map(Entry::createdAtMs).orElse(nowMs),
            Math.max(nowMs, old.map(e -> e.updatedAtMs() + 1).orElse(0L)),
            prices,
            Math.min(fromMs, old.map(Entry::fromMs).orElse(fromMs)),
            Math.max(toMs, old.map(Entry::toMs).orElse(toMs)),
            records);
    client.execute(
        "INSERT INTO "
            + TABLE
            + " (version, raw_table, rollup_table, created_at_ms, updated_at_ms,"
            + " prices, from_ms, to_ms, records) VALUES ("
            + ClickHouseClient.literal(entry.version())
            + ", "
            + ClickHouseClient.literal(entry.rawTable())
            + ", "
            + ClickHouseClient.literal(entry.rollupTable())
            + ", "
            + entry.createdAtMs()
            + ", "
            + entry.updatedAtMs()
            + ", "
            + ClickHouseClient.literal(entry.prices())
            + ", "
            + entry.fromMs()
            + ", "
            + entry.toMs()
            + ", "
            + entry.records()
            + ")");
    return entry;
  }

  /** Every replayed version, oldest first. */
  public static List<Entry> list(ClickHouseClient client) {
    return client
        .query("SELECT * FROM " + TABLE + " FINAL ORDER BY created_at_ms, version")
        .stream()
        .map(PriceVersions::entry)
        .toList();
  }

  /** The version named {@code version}, if a replay wrote it. */
  public static Optional<Entry> find(ClickHouseClient client, String version) {
    return client
        .query(
            "SELECT * FROM "
                + TABLE
                + " FINAL WHERE version = "
                + ClickHouseClient.literal(version))
        .stream()
        .map(PriceVersions::entry)
        .findFirst();
  }

  private static Entry entry(JsonNode r) {
    return new Entry(
        r.get("version").asText(),
        r.get("raw_table").asText(),
        r.get("rollup_table").asText(),
        r.get("created_at_ms").asLong(),
        r.get("updated_at_ms").asLong(),
        r.get("prices").asText(),
        r.get("from_ms").asLong(),
        r.get("to_ms").asLong(),
        r.get("records").asLong());
  }
}
