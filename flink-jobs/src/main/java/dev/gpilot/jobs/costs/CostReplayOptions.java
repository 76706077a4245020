package dev.gpilot.jobs.costs;

import dev.gpilot.clickhouse.PriceVersions;
import dev.gpilot.contracts.Instants;
import dev.gpilot.contracts.Sha256;
import dev.gpilot.contracts.agents.AgentCatalog;
import dev.gpilot.contracts.agents.CatalogException;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.cost.CostRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a cost replay runs ({@code ./gpilot replay costs}, SPEC.md section 8, Replays), checked when
 * built: every mistake is an {@link IllegalArgumentException} that says what to set.
 *
 * @param kafkaBootstrapServers the brokers of {@code gpilot.step-results.v1} ({@code
 *     KAFKA_BOOTSTRAP_SERVERS})
 * @param clickhouseUrl, clickhouseDatabase where the live tables are and the version's tables go
 * @param from, to the attempts finished in {@code [from, to)} are replayed
 * @param prices the table to price with (its versions by their effective dates)
 * @param version the price version the rows are written as: {@code --as}, else derived from the
 *     prices (the newest version's name and a hash of the file, so the same prices replay into the
 *     same version)
 * @param dryRun compute and print the differences only, write nothing to ClickHouse
 * @param diffFile where a dry run saves its differences (JSON)
 * @param parallelism the batch job's parallelism
 * @param catalog the agents' models (what the executor priced)
 * @param fromClickHouse read the live raw rows ({@code cost_records}) instead of the step-results
 *     topic (history older than the topic's retention)
 * @param sortedInputs BATCH mode's sorted keyed inputs (Flink's default); off: keyed state in the
 *     heap, records in the topic's order, no sort (faster where the missions' state fits the heap;
 *     docs/benchmarks/replay.md)
 */
public record CostReplayOptions(
    String kafkaBootstrapServers,
    String clickhouseUrl,
    String clickhouseDatabase,
    Instant from,
    Instant to,
    PriceTable prices,
    String version,
    boolean dryRun,
    Path diffFile,
    int parallelism,
    AgentCatalog catalog,
    boolean sortedInputs,
    boolean fromClickHouse) {

  public static final String USAGE =
      "replay costs --from <instant> --to <instant> [--prices <file|version>]"
          + " [--as <version>] [--dry-run] [--diff-file <path>] [--parallelism <n>] [--sorted-inputs true|false]"
          + " [--source topic|clickhouse]";

  public CostReplayOptions {
    require(
        kafkaBootstrapServers, "KAFKA_BOOTSTRAP_SERVERS (the brokers of gpilot.step-results.v1)");
    require(clickhouseUrl, "CLICKHOUSE_URL");
    require(clickhouseDatabase, "CLICKHOUSE_DATABASE");
    Objects.requireNonNull(from, "--from is required (an ISO-8601 instant)");
    Objects.requireNonNull(to, "--to is required (an ISO-8601 instant)");
    Objects.requireNonNull(prices, "prices");
    Objects.requireNonNull(catalog, "catalog");
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("--from must be before --to, got " + from + " and " + to);
    }
    if (from.toEpochMilli() < 0 || to.toEpochMilli() > CostRecord.MAX_EPOCH_MS + 1) {
      throw new IllegalArgumentException(
          "--from and --to must lie in 1970-01-01T00:00:00Z .. 2106-02-07T06:28:16Z");
    }
    if (!PriceVersions.validName(version)) {
      throw new IllegalArgumentException(
          "--as: a price version is 1-100 letters, digits or . _ : + @ -, got '" + version + "'");
    }
    if (version.equals("live")) {
      throw new IllegalArgumentException(
          "--as live: 'live' names the live tables (?prices=live); choose another name");
    }
    if (parallelism < 1 || parallelism > 64) {
      throw new IllegalArgumentException("--parallelism must be 1..64, got " + parallelism);
    }
    Objects.requireNonNull(diffFile, "diffFile");
  }

  /**
   * Reads the command line and the environment ({@code KAFKA_BOOTSTRAP_SERVERS}, {@code
   * CLICKHOUSE_URL}, {@code CLICKHOUSE_DATABASE} (default {@code gpilot}), {@code
   * GPILOT_PRICE_TABLE}: the live table, whose versions {@code --prices <version>} names; {@code
   * GPILOT_AGENT_CATALOG}).
   */
  public static CostReplayOptions parse(String[] args, Map<String, String> env) {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--dry-run" -> flags.put(a, "true");
        case "--from",
            "--to",
            "--prices",
            "--as",
            "--diff-file",
            "--parallelism",
            "--sorted-inputs",
            "--source" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(a + " needs a value; usage: " + USAGE);
          }
          flags.put(a, args[++i]);
        }
        default ->
            throw new IllegalArgumentException("unknown argument '" + a + "'; usage: " + USAGE);
      }
    }
    PriceTable live;
    try {
      live = PriceTable.load(env);
    } catch (CatalogException e) {
      throw new IllegalArgumentException("the live price table: " + e.getMessage(), e);
    }
    PriceTable prices = prices(flags.get("--prices"), live);
    String version = flags.getOrDefault("--as", derivedVersion(prices));
    int parallelism;
    try {
      parallelism = Integer.parseInt(flags.getOrDefault("--parallelism", "2"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--parallelism must be an integer, got '" + flags.get("--parallelism") + "'");
    }
    String sorted = flags.getOrDefault("--sorted-inputs", "true");
    if (!sorted.equals("true") && !sorted.equals("false")) {
      throw new IllegalArgumentException(
          "--sorted-inputs must be true or false, got '" + sorted + "'");
    }
    String source = flags.getOrDefault("--source", "topic");
    if (!source.equals("topic") && !source.equals("clickhouse")) {
      throw new IllegalArgumentException(
          "--source must be topic or clickhouse, got '" + source + "'");
    }
    String state = env.getOrDefault("GPILOT_STATE_DIR", ".gpilot");
    return new CostReplayOptions(
        env.get("KAFKA_BOOTSTRAP_SERVERS"),
        env.get("CLICKHOUSE_URL"),
        env.getOrDefault("CLICKHOUSE_DATABASE", "gpilot"),
        instant(flags.get("--from"), "--from"),
        instant(flags.get("--to"), "--to"),
        prices,
        version,
        flags.containsKey("--dry-run"),
        Path.of(flags.getOrDefault("--diff-file", state + "/replay/" + version + ".diff.json")),
        parallelism,
        AgentCatalog.load(env),
        sorted.equals("true"),
        source.equals("clickhouse"));
  }

  /**
   * {@code --prices}: a file, or a version of the live table (alone, in force at every time); none:
   * the live one.
   */
  static PriceTable prices(String value, PriceTable live) {
    if (value == null) {
      return live;
    }
    Path file = Path.of(value);
    if (Files.isRegularFile(file)) {
      try {
        return PriceTable.fromFile(file);
      } catch (CatalogException e) {
        throw new IllegalArgumentException("--prices " + value + ": " + e.getMessage(), e);
      }
    }
    return live.version(value)
        .map(live::only)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "--prices "
                        + value
                        + ": neither a file nor a version of the live price table ("
                        + live.source()
                        + " has "
                        + live.versions().stream().map(PriceTable.Version::version).toList()
                        + ")"));
  }

  /**
   * The newest version's name and 8 hex digits of the prices' JSON: the same prices, the same
   * version.
   */
  static String derivedVersion(PriceTable prices) {
    String name = prices.version().replaceAll("[^A-Za-z0-9._:@-]", "_");
    name = name.length() > 80 ? name.substring(0, 80) : name;
    return name + "+" + Sha256.hex(prices.json()).substring(0, 8);
  }

  private static Instant instant(String value, String flag) {
    if (value == null) {
      throw new IllegalArgumentException(
          flag
              + " is required (an ISO-8601 instant, e.g. 2026-12-01T00:00:00Z);"
              + " usage: "
              + USAGE);
    }
    try {
      return Instants.parseInstantOrDay(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          flag
              + " must be an ISO-8601 instant (2026-12-01T00:00:00Z) or a day (2026-12-01), got '"
              + value
              + "'");
    }
  }

  private static void require(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must be set");
    }
  }

  /** How long the replay waits for ClickHouse to answer one insert or query. */
  Duration clickhouseTimeout() {
    return Duration.ofMinutes(2);
  }
}
