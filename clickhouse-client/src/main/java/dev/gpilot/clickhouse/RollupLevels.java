package dev.gpilot.clickhouse;

/**
 * The tables of one set of cost rollups (the live one, or a price version's): the 1-minute rollups
 * the windows write, the coarser hourly and daily rollups sealed from them, when each hour last
 * took a row, and the seals (SPEC.md section 8, "Coarser rollups"; migration {@code
 * V010__cost_rollup_levels.sql} creates the live ones).
 *
 * @param minute {@code cost_rollup_1m} or a version's copy
 * @param hour {@code cost_rollup_1h} (same columns; one row per whole UTC hour and key)
 * @param day {@code cost_rollup_1d} (one row per whole UTC day and key)
 * @param touched {@code cost_rollup_touched}: (workspace, hour) → the newest insert into that hour
 * @param touchedView the materialized view that writes {@code touched} on every insert into {@code
 *     minute}
 * @param seals {@code cost_rollup_seals}: (workspace, level, window) → the newest touch the coarse
 *     rows cover
 */
public record RollupLevels(
    String minute, String hour, String day, String touched, String touchedView, String seals) {
  public static final String LIVE_MINUTE = "cost_rollup_1m";
  public static final RollupLevels LIVE = of(LIVE_MINUTE);

  /**
   * The tables beside a minute table: a version's copies share its suffix ({@code
   * cost_rollup_1m_p<h>}).
   */
  public static RollupLevels of(String minuteTable) {
    if (!minuteTable.startsWith(LIVE_MINUTE)) {
      throw new IllegalArgumentException("not a cost rollup table: " + minuteTable);
    }
    String suffix = minuteTable.substring(LIVE_MINUTE.length());
    return new RollupLevels(
        minuteTable,
        "cost_rollup_1h" + suffix,
        "cost_rollup_1d" + suffix,
        "cost_rollup_touched" + suffix,
        "cost_rollup_touched_mv" + suffix,
        "cost_rollup_seals" + suffix);
  }

  /**
   * Creates a version's coarse tables and its view when missing (copies of the live ones; the
   * schema must be migrated). The view sees inserts from its creation on: create it before the
   * minute table takes rows.
   *
   * @return whether the view was missing (rows already in {@code minute} have no touch yet)
   */
  public boolean create(ClickHouseClient client) {
    if (this.equals(LIVE)) {
      return false; // the migrations create them
    }
    boolean existed =
        client
                .query(
                    "SELECT count() AS n FROM system.tables WHERE database = currentDatabase()"
                        + " AND name = "
                        + ClickHouseClient.literal(touchedView))
                .get(0)
                .get("n")
                .asLong()
            > 0;
    client.execute("CREATE TABLE IF NOT EXISTS " + hour + " AS " + LIVE.hour);
    client.execute("CREATE TABLE IF NOT EXISTS " + day + " AS " + LIVE.day);
    client.execute("CREATE TABLE IF NOT EXISTS " + touched + " AS " + LIVE.touched);
    client.execute("CREATE TABLE IF NOT EXISTS " + seals + " AS " + LIVE.seals);
    client.execute(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS "
            + touchedView
            + " TO "
            + touched
            + " AS"
            + " SELECT workspace_id, "
            + hourOf("window_start")
            + " AS hour, max(now()) AS touched_at FROM "
            + minute
            + " GROUP BY workspace_id, hour");
    return !existed;
  }

  /**
   * Marks every hour that has rows in {@code minute} as touched now, so that the sealer seals it.
   */
  public void touchAll(ClickHouseClient client) {
    client.execute(
        "INSERT INTO "
            + touched
            + " (workspace_id, hour, touched_at) SELECT workspace_id, "
            + hourOf("window_start")
            + " AS hour, now() FROM "
            + minute
            + " GROUP BY workspace_id, hour");
  }

  /**
   * The UTC hour a DateTime expression falls in (toStartOfHour would follow the server's time
   * zone).
   */
  public static String hourOf(String expression) {
    return "toDateTime(intDiv(toUInt32(" + expression + "), 3600) * 3600)";
  }
}
