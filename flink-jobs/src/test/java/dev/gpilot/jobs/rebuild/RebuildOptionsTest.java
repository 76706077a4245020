package dev.gpilot.jobs.rebuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ./gpilot replay rebuild}'s options: what it rebuilds, from where, into where, and its
 * refusals.
 */
class RebuildOptionsTest {
  private static final Map<String, String> ENV =
      Map.of(
          "KAFKA_BOOTSTRAP_SERVERS", "localhost:9092", "CLICKHOUSE_URL", "http://localhost:8123");

  private static RebuildOptions parse(String... args) {
    return RebuildOptions.parse(List.of(args), ENV);
  }

  @Test
  void daysAndInstants_areRead_andTheTargetDefaultsBesideTheLiveDatabase() {
    RebuildOptions options = parse("--from", "2026-12-01", "--to", "2026-12-02T06:30:00Z");

    assertThat(options.from()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
    assertThat(options.to()).isEqualTo(Instant.parse("2026-12-02T06:30:00Z"));
    assertThat(options.liveDatabase()).isEqualTo("gpilot");
    assertThat(options.intoDatabase()).isEqualTo("gpilot_rebuild");
    assertThat(options.kafkaBootstrapServers()).isEqualTo("localhost:9092");
  }

  @Test
  void theLiveDatabaseIsNeverTheTarget() {
    assertThatThrownBy(
            () -> parse("--from", "2026-12-01", "--to", "2026-12-02", "--into", "gpilot"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is the live database");
    assertThat(
            RebuildOptions.parse(
                    List.of("--from", "2026-12-01", "--to", "2026-12-02", "--into", "gpilot"),
                    Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS",
                        "k:9092",
                        "CLICKHOUSE_URL",
                        "http://c:8123",
                        "CLICKHOUSE_DATABASE",
                        "prod"))
                .intoDatabase())
        .as("another live database")
        .isEqualTo("gpilot");
  }

  @Test
  void eachMistake_isRefusedSayingWhat() {
    assertThatThrownBy(() -> parse("--from", "2026-12-01"))
        .hasMessageContaining("--from and --to are required");
    assertThatThrownBy(() -> parse("--from", "2026-12-01", "--to"))
        .hasMessageContaining("--to needs a value");
    assertThatThrownBy(() -> parse("--since", "x"))
        .hasMessageContaining("unknown option '--since'");
    assertThatThrownBy(() -> parse("--from", "yesterday", "--to", "2026-12-02"))
        .hasMessageContaining("--from must be an instant");
    assertThatThrownBy(() -> parse("--from", "2026-12-02", "--to", "2026-12-01"))
        .hasMessageContaining("--from must be before --to");
    assertThatThrownBy(
            () -> parse("--from", "2026-12-01", "--to", "2026-12-02", "--into", "x; DROP TABLE y"))
        .hasMessageContaining("--into must be a database name");
    assertThatThrownBy(
            () ->
                RebuildOptions.parse(
                    List.of("--from", "2026-12-01", "--to", "2026-12-02"),
                    Map.of("CLICKHOUSE_URL", "http://c:8123")))
        .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS is not set");
  }
}
