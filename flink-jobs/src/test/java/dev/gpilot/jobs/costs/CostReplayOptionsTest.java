package dev.gpilot.jobs.costs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CostReplayOptionsTest {
  private static final Map<String, String> ENV =
      Map.of(
          "KAFKA_BOOTSTRAP_SERVERS",
          "k:9092",
          "CLICKHOUSE_URL",
          "http://ch:8123",
          "GPILOT_STATE_DIR",
          "/state");

  private static CostReplayOptions parse(String... args) {
    return CostReplayOptions.parse(args, ENV);
  }

  /** A replay of 2026-12-01 (UTC) with {@code more} arguments. */
  private static CostReplayOptions parseOneDay(String... more) {
    return parse(
        Stream.concat(
                Stream.of("--from", "2026-12-01T00:00:00Z", "--to", "2026-12-02T00:00:00Z"),
                Stream.of(more))
            .toArray(String[]::new));
  }

  @Test
  void defaults_theLiveTable_aVersionNamedByItsPrices_andADiffFileUnderTheStateDirectory() {
    CostReplayOptions o =
        parse("--from", "2026-11-01T00:00:00Z", "--to", "2026-12-01T00:00:00+01:00");
    assertThat(o.prices().version()).isEqualTo("2026-01-15");
    assertThat(o.version()).startsWith("2026-01-15+").hasSize("2026-01-15+".length() + 8);
    assertThat(o.version())
        .isEqualTo(
            parse("--from", "2026-10-01T00:00:00Z", "--to", "2026-12-01T00:00:00Z").version());
    assertThat(o.to().toString()).isEqualTo("2026-11-30T23:00:00Z");
    assertThat(o.dryRun()).isFalse();
    assertThat(o.diffFile()).isEqualTo(Path.of("/state/replay/" + o.version() + ".diff.json"));
    assertThat(o.clickhouseDatabase()).isEqualTo("gpilot");
  }

  @Test
  void pricesByVersion_orByFile_andTheNameGiven(@TempDir Path dir) throws Exception {
    CostReplayOptions byVersion =
        parse(
            "--from",
            "2026-11-01T00:00:00Z",
            "--to",
            "2026-12-01T00:00:00Z",
            "--prices",
            "2026-01-15",
            "--as",
            "jan-prices",
            "--dry-run");
    assertThat(byVersion.prices().versions()).hasSize(1);
    assertThat(byVersion.version()).isEqualTo("jan-prices");
    assertThat(byVersion.dryRun()).isTrue();
    Path file = dir.resolve("p.json");
    Files.writeString(
        file,
        """
        {"version": "mine", "prices": [{"id": "a", "model": "a*", "effectiveFrom": "2025-01-01",
          "input": "1", "cachedInput": "0", "output": "0", "thinking": "0"}]}""");
    CostReplayOptions byFile =
        parse(
            "--from",
            "2026-11-01T00:00:00Z",
            "--to",
            "2026-12-01T00:00:00Z",
            "--prices",
            file.toString());
    assertThat(byFile.prices().version()).isEqualTo("mine");
    assertThat(byFile.version()).startsWith("mine+");
  }

  @Test
  void mistakes_sayWhatToSet() {
    assertThatThrownBy(() -> parse("--to", "2026-12-01T00:00:00Z"))
        .hasMessageContaining("--from is required");
    assertThatThrownBy(() -> parse("--from", "2026-12-01T25", "--to", "2026-12-02T00:00:00Z"))
        .hasMessageContaining("--from must be an ISO-8601 instant");
    assertThat(parse("--from", "2026-12-01", "--to", "2026-12-02T00:00:00Z").from())
        .isEqualTo(java.time.Instant.parse("2026-12-01T00:00:00Z"));
    assertThatThrownBy(
            () -> parse("--from", "2026-12-02T00:00:00Z", "--to", "2026-12-01T00:00:00Z"))
        .hasMessageContaining("--from must be before --to");
    assertThatThrownBy(() -> parseOneDay("--as", "a b")).hasMessageContaining("--as");
    assertThatThrownBy(() -> parseOneDay("--as", "live"))
        .hasMessageContaining("'live' names the live tables");
    assertThatThrownBy(() -> parseOneDay("--source", "s3"))
        .hasMessageContaining("--source must be topic or clickhouse");
    assertThatThrownBy(() -> parseOneDay("--prices", "1999"))
        .hasMessageContaining("neither a file nor a version")
        .hasMessageContaining("2026-01-15");
    assertThatThrownBy(() -> parseOneDay("--frm")).hasMessageContaining("unknown argument '--frm'");
    assertThatThrownBy(
            () ->
                CostReplayOptions.parse(
                    new String[] {"--from", "2026-12-01T00:00:00Z", "--to", "2026-12-02T00:00:00Z"},
                    Map.of()))
        .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS");
  }
}
