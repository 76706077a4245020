package dev.gpilot.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.testing.ClickHouseTestServer;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Price versions' tables and their catalogue in the real ClickHouse (SPEC.md section 8, "Replays").
 */
class PriceVersionsITCase {
  @RegisterExtension static final ClickHouseTestServer CLICKHOUSE = new ClickHouseTestServer();
  private static final long H13 = java.time.Instant.parse("2025-03-15T13:00:00Z").getEpochSecond();
  private static ClickHouseClient client;

  @BeforeAll
  static void migrate() {
    client = CLICKHOUSE.client();
    ClickHouseMigrations.apply(client);
  }

  @Test
  void versionNames_areCheckedBeforeTheyNameATable() {
    assertThat(PriceVersions.validName("2025-06-17+flash@eu:v1.2_b")).isTrue();
    assertThat(PriceVersions.validName("a".repeat(100))).isTrue();
    assertThat(PriceVersions.validName("a".repeat(101))).isFalse();
    assertThat(PriceVersions.validName("-leading-dash")).isFalse();
    assertThat(PriceVersions.validName(null)).isFalse();
    assertThatThrownBy(() -> PriceVersions.rawTable("x; DROP TABLE cost_records"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a price version is 1-100");
    assertThat(PriceVersions.rawTable("v1"))
        .isEqualTo(PriceVersions.rawTable("v1"))
        .isNotEqualTo(PriceVersions.rawTable("v2"))
        .matches("cost_records_p[0-9a-f]{16}");
    assertThat(PriceVersions.rollupTable("v1")).startsWith(RollupLevels.LIVE_MINUTE + "_p");
  }

  @Test
  void rollupLevels_ofAVersion_shareItsSuffix_andOnlyRollupTablesHaveLevels() {
    RollupLevels levels = RollupLevels.of(PriceVersions.rollupTable("v1"));
    String suffix = levels.minute().substring(RollupLevels.LIVE_MINUTE.length());
    assertThat(
            List.of(
                levels.hour(),
                levels.day(),
                levels.touched(),
                levels.touchedView(),
                levels.seals()))
        .allSatisfy(table -> assertThat(table).endsWith(suffix));
    assertThat(RollupLevels.of(RollupLevels.LIVE_MINUTE)).isEqualTo(RollupLevels.LIVE);
    assertThat(RollupLevels.LIVE.create(client))
        .as("the migrations create the live ones")
        .isFalse();
    assertThatThrownBy(() -> RollupLevels.of("cost_records"))
        .hasMessage("not a cost rollup table: cost_records");
  }

  @Test
  void aVersion_recordedAgain_keepsItsCreation_andWidensItsRange() {
    PriceVersions.Entry first =
        PriceVersions.record(client, "replay-a", "{\"p\":1}", 1_000, 2_000, 10, 50_000);
    assertThat(PriceVersions.find(client, "replay-a")).contains(first);
    PriceVersions.Entry second =
        PriceVersions.record(client, "replay-a", "{\"p\":2}", 500, 1_500, 7, 50_000);

    assertThat(second.createdAtMs()).isEqualTo(50_000);
    assertThat(second.updatedAtMs())
        .as("later than the first, even at the same clock")
        .isGreaterThan(50_000);
    assertThat(second.fromMs()).isEqualTo(500);
    assertThat(second.toMs()).isEqualTo(2_000);
    assertThat(second.prices()).as("the last replay's prices").isEqualTo("{\"p\":2}");
    assertThat(PriceVersions.find(client, "replay-a")).contains(second);
    assertThat(PriceVersions.find(client, "replay-never")).isEmpty();

    PriceVersions.record(client, "replay-b", "{}", 0, 1, 0, 40_000);
    assertThat(PriceVersions.list(client))
        .extracting(PriceVersions.Entry::version)
        .as("oldest first")
        .containsSubsequence("replay-b", "replay-a");
  }

  @Test
  void aVersionsTables_noteEveryHourWithRows_includingRowsWrittenBeforeItsViewExisted() {
    String version = "older-version";
    RollupLevels levels = RollupLevels.of(PriceVersions.rollupTable(version));
    // An older replay made the minute table but not the view.
    client.execute("CREATE TABLE " + levels.minute() + " AS " + RollupLevels.LIVE_MINUTE);
    insertMinute(levels, "acme", H13 + 5 * 60);

    PriceVersions.createTables(client, version);
    PriceVersions.createTables(client, version); // idempotent
    assertThat(levels.create(client)).as("the view exists now").isFalse();
    insertMinute(levels, "acme", H13 + 2 * 3600 + 59 * 60);

    List<String> hours =
        client
            .query(
                "SELECT DISTINCT workspace_id AS w, toUnixTimestamp(hour) AS h FROM "
                    + levels.touched()
                    + " ORDER BY h")
            .stream()
            .map(r -> r.get("w").asText() + "@" + r.get("h").asLong())
            .toList();
    assertThat(hours).containsExactly("acme@" + H13, "acme@" + (H13 + 2 * 3600));
    assertThat(
            client
                .query("SELECT count() AS n FROM " + PriceVersions.rawTable(version))
                .get(0)
                .get("n")
                .asLong())
        .as("the raw table exists, empty")
        .isZero();
  }

  /** A minute row; the window as epoch seconds, so the server's time zone plays no part. */
  private static void insertMinute(RollupLevels levels, String workspace, long windowStartSeconds) {
    client.execute(
        "INSERT INTO "
            + levels.minute()
            + " (workspace_id, window_start, agent, model, slice, steps)"
            + " SELECT "
            + ClickHouseClient.literal(workspace)
            + ", toDateTime("
            + windowStartSeconds
            + "), 'a', 'm', '',"
            + " 1");
  }
}
