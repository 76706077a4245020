package dev.gpilot.jobs.rebuild;

import dev.gpilot.contracts.Instants;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code replay rebuild --from <instant> --to <instant> [--into <database>]}: which range of
 * history to rebuild, from which Kafka, into which ClickHouse database (never the live one).
 *
 * @param liveDatabase the live tables' database ({@code CLICKHOUSE_DATABASE}, default {@code
 *     gpilot}): compared with, never written
 * @param intoDatabase where the rebuilt tables go; default {@code <live>_rebuild}
 */
public record RebuildOptions(
    String kafkaBootstrapServers,
    String clickhouseUrl,
    String liveDatabase,
    String intoDatabase,
    Instant from,
    Instant to,
    int parallelism) {
  public static final String USAGE =
      "replay rebuild --from <instant> --to <instant> [--into <database>]";
  private static final Pattern DATABASE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

  public RebuildOptions {
    require(kafkaBootstrapServers, "KAFKA_BOOTSTRAP_SERVERS");
    require(clickhouseUrl, "CLICKHOUSE_URL");
    if (!DATABASE.matcher(intoDatabase).matches()) {
      throw new IllegalArgumentException(
          "--into must be a database name matching " + DATABASE.pattern());
    }
    if (intoDatabase.equals(liveDatabase)) {
      throw new IllegalArgumentException(
          "--into "
              + intoDatabase
              + " is the live database: a rebuild writes a fresh "
              + "one and never the live tables");
    }
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("--from must be before --to");
    }
  }

  /**
   * @throws IllegalArgumentException naming what is wrong or missing
   */
  public static RebuildOptions parse(List<String> args, Map<String, String> env) {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.size(); i += 2) {
      String flag = args.get(i);
      if (!List.of("--from", "--to", "--into").contains(flag)) {
        throw new IllegalArgumentException("unknown option '" + flag + "'; " + USAGE);
      }
      if (i + 1 >= args.size()) {
        throw new IllegalArgumentException(flag + " needs a value; " + USAGE);
      }
      flags.put(flag, args.get(i + 1));
    }
    if (!flags.containsKey("--from") || !flags.containsKey("--to")) {
      throw new IllegalArgumentException("--from and --to are required; " + USAGE);
    }
    String live = env.getOrDefault("CLICKHOUSE_DATABASE", "gpilot");
    return new RebuildOptions(
        env.get("KAFKA_BOOTSTRAP_SERVERS"),
        env.get("CLICKHOUSE_URL"),
        live,
        flags.getOrDefault("--into", live + "_rebuild"),
        instant(flags.get("--from"), "--from"),
        instant(flags.get("--to"), "--to"),
        2);
  }

  static Instant instant(String value, String flag) {
    try {
      return Instants.parseInstantOrDay(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          flag
              + " must be an instant like 2026-12-01T00:00:00Z or a day like "
              + "2026-12-01, got '"
              + value
              + "'");
    }
  }

  private static void require(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is not set");
    }
  }

  /** How long ClickHouse may take to answer one request. */
  Duration clickhouseTimeout() {
    return Duration.ofSeconds(60);
  }
}
