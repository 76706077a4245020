package dev.gpilot.contracts.agents;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.gpilot.contracts.Instants;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What models cost: versioned entries of (model pattern, effective-from day, prices per million
 * tokens for input, cached input, output and thinking). Shipped as {@value #RESOURCE}; a deployment
 * replaces it with its own file named by {@value #ENV}. Immutable and thread-safe.
 *
 * <p>Lookup: among the entries whose pattern matches the model and whose day has come (UTC), the
 * most specific pattern (most literal characters) wins, and of its entries the latest day. Prices
 * in the file are decimal credits per million tokens ({@code "0.30"}); they must be whole
 * micro-credits per million tokens and are held as integers, so no cost ever goes through floating
 * point.
 */
public final class PriceTable {
  public static final String ENV = "GPILOT_PRICE_TABLE";
  public static final String RESOURCE = "agents/prices.json";

  // Numbers as BigDecimal: a price written as a JSON number must not pass through a double either.
  private static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
  private static final BigDecimal MICROS = BigDecimal.valueOf(1_000_000);
  private static final Set<String> ENTRY_FIELDS =
      Set.of(
          "id",
          "model",
          "effectiveFrom",
          "input",
          "cachedInput",
          "output",
          "thinking",
          "longContext");
  private static final Set<String> TIER_FIELDS =
      Set.of("promptTokensAbove", "input", "cachedInput", "output", "thinking");

  /**
   * One version of the table: its entries apply to attempts that finished from {@code
   * effectiveFrom} on, until the next version's {@code effectiveFrom}.
   *
   * @param version the version's name, unique in the file
   * @param effectiveFrom when the version takes over (the first version of a file: any time before
   *     too)
   * @param prices its entries, each with its own effective day within the version
   */
  public record Version(String version, Instant effectiveFrom, List<ModelPrice> prices) {
    public Version {
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(effectiveFrom, "effectiveFrom");
      prices = List.copyOf(prices);
    }
  }

  private final List<Version> versions;
  private final String source;
  private final String json;

  private PriceTable(List<Version> versions, String source, String json) {
    if (versions.isEmpty()) {
      throw new CatalogException(source + ": a price table needs at least one version");
    }
    this.versions = versions.stream().sorted(Comparator.comparing(Version::effectiveFrom)).toList();
    this.source = source;
    this.json = json;
  }

  private PriceTable(String version, String source, List<ModelPrice> prices) {
    this(List.of(new Version(version, Instant.EPOCH, prices)), source, null);
  }

  /** The file named by {@value #ENV} in {@code env} if set, else the shipped table. */
  public static PriceTable load(Map<String, String> env) {
    String path = env.get(ENV);
    return path == null || path.isBlank() ? shipped() : fromFile(Path.of(path.strip()));
  }

  public static PriceTable shipped() {
    return CatalogFiles.shipped(RESOURCE, "price table", PriceTable::parse);
  }

  public static PriceTable fromFile(Path file) {
    return CatalogFiles.fromFile(file, "price table", ENV, PriceTable::parse);
  }

  /**
   * @throws CatalogException when the JSON is not a valid price table; the message names {@code
   *     source}
   */
  public static PriceTable parse(InputStream json, String source) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new CatalogException(source + ": not JSON: " + AgentCatalog.rootMessage(e), e);
    }
    if (root == null || !root.isObject()) {
      throw new CatalogException(source + ": a price table is a JSON object");
    }
    JsonNode tables = root.get("tables");
    List<Version> versions = new ArrayList<>();
    if (tables == null) {
      versions.add(parseVersion(root, source, Instant.EPOCH));
    } else {
      if (!tables.isArray() || tables.isEmpty()) {
        throw new CatalogException(
            source + ": \"tables\" must be a non-empty array of price tables");
      }
      Set<String> names = new HashSet<>();
      Set<Instant> starts = new HashSet<>();
      for (JsonNode table : tables) {
        String where = source + ": tables[" + versions.size() + "]";
        if (!table.isObject()) {
          throw new CatalogException(where + " is not an object");
        }
        Version v = parseVersion(table, where, null);
        if (!names.add(v.version())) {
          throw new CatalogException(where + ": version '" + v.version() + "' is used twice");
        }
        if (!starts.add(v.effectiveFrom())) {
          throw new CatalogException(
              where + ": another version takes effect at " + v.effectiveFrom());
        }
        versions.add(v);
      }
    }
    return new PriceTable(versions, source, root.toString());
  }

  /**
   * One version: {@code {"version", "effectiveFrom"?, "prices"}}; {@code effectiveFrom} is an
   * instant ({@code 2026-12-01T00:00:00Z}) or a UTC day, required in a {@code tables} list ({@code
   * defaultFrom} null).
   */
  private static Version parseVersion(JsonNode root, String source, Instant defaultFrom) {
    String version = text(root, "version", source);
    Instant effectiveFrom = defaultFrom;
    JsonNode tableFrom = root.get("effectiveFrom");
    if (tableFrom != null && !tableFrom.isNull()) {
      effectiveFrom = instant(text(root, "effectiveFrom", source), source);
    } else if (defaultFrom == null) {
      throw new CatalogException(
          source + ": \"effectiveFrom\" is required for every version in \"tables\"");
    }
    JsonNode entries = root.get("prices");
    if (entries == null || !entries.isArray() || entries.isEmpty()) {
      throw new CatalogException(source + ": \"prices\" must be a non-empty array");
    }
    List<ModelPrice> prices = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> keys = new HashSet<>();
    for (JsonNode entry : entries) {
      String where = source + ": prices[" + prices.size() + "]";
      if (!entry.isObject()) {
        throw new CatalogException(where + " is not an object");
      }
      unknownFields(entry, ENTRY_FIELDS, where);
      String id = text(entry, "id", where);
      where = source + ": price '" + id + "'";
      String pattern = text(entry, "model", where);
      LocalDate from;
      try {
        from = LocalDate.parse(text(entry, "effectiveFrom", where));
      } catch (DateTimeParseException e) {
        throw new CatalogException(where + ": effectiveFrom must be a date, YYYY-MM-DD", e);
      }
      TokenRates rates = rates(entry, where);
      long above = 0;
      TokenRates longRates = null;
      JsonNode tier = entry.get("longContext");
      if (tier != null && !tier.isNull()) {
        unknownFields(tier, TIER_FIELDS, where + ".longContext");
        JsonNode threshold = tier.get("promptTokensAbove");
        if (threshold == null || !threshold.canConvertToExactIntegral() || threshold.asLong() < 1) {
          throw new CatalogException(
              where + ".longContext: promptTokensAbove must be a positive integer");
        }
        above = threshold.asLong();
        longRates = rates(tier, where + ".longContext");
      }
      if (!ids.add(id)) {
        throw new CatalogException(where + ": the id is used twice");
      }
      if (!keys.add(pattern + "@" + from)) {
        throw new CatalogException(
            where + ": another entry has the same model pattern and effectiveFrom");
      }
      prices.add(new ModelPrice(id, version, pattern, from, rates, above, longRates));
    }
    return new Version(version, effectiveFrom, prices);
  }

  private static Instant instant(String text, String where) {
    try {
      return Instants.parseInstantOrDay(text);
    } catch (DateTimeParseException e) {
      throw new CatalogException(
          where
              + ": effectiveFrom must be an ISO-8601 instant or a day (YYYY-MM-DD), got '"
              + text
              + "'",
          e);
    }
  }

  /** The newest version's name (the one in force from its {@link Version#effectiveFrom()} on). */
  public String version() {
    return newest().version();
  }

  /** Every version, oldest first. */
  public List<Version> versions() {
    return versions;
  }

  /**
   * The version in force at {@code at}: the latest whose {@code effectiveFrom} is not after it
   * (else the first).
   */
  public Version versionAt(Instant at) {
    Version inForce = versions.get(0);
    for (Version v : versions) {
      if (!v.effectiveFrom().isAfter(at)) {
        inForce = v;
      }
    }
    return inForce;
  }

  /** The version named {@code version}, if the table has it. */
  public Optional<Version> version(String version) {
    return versions.stream().filter(v -> v.version().equals(version)).findFirst();
  }

  /** This table reduced to its version {@code version}, in force at any time. */
  public PriceTable only(Version version) {
    return new PriceTable(version.version(), source + "#" + version.version(), version.prices());
  }

  /**
   * The file's JSON as read (for the record of a replay), or a summary for a table reduced to one
   * version ({@link #only}).
   */
  public String json() {
    if (json != null) {
      return json;
    }
    return "{\"tables\":["
        + versions.stream()
            .map(
                v ->
                    "{\"version\":\""
                        + v.version()
                        + "\",\"effectiveFrom\":\""
                        + v.effectiveFrom()
                        + "\",\"entries\":"
                        + v.prices().size()
                        + "}")
            .collect(java.util.stream.Collectors.joining(","))
        + "]}";
  }

  private Version newest() {
    return versions.get(versions.size() - 1);
  }

  public String source() {
    return source;
  }

  /** The newest version's entries. */
  public List<ModelPrice> prices() {
    return newest().prices();
  }

  /**
   * The entry that prices {@code model} on {@code day} (UTC; the version in force at its start), if
   * any.
   */
  public Optional<ModelPrice> find(String model, LocalDate day) {
    return find(versionAt(day.atStartOfDay(ZoneOffset.UTC).toInstant()), model, day);
  }

  /**
   * The entry that prices {@code model} at {@code at}: of the version in force at {@code at}, among
   * the entries whose pattern matches and whose day has come, the most specific pattern, then the
   * latest day.
   */
  public Optional<ModelPrice> find(String model, Instant at) {
    return find(versionAt(at), model, LocalDate.ofInstant(at, ZoneOffset.UTC));
  }

  private static Optional<ModelPrice> find(Version version, String model, LocalDate day) {
    return version.prices().stream()
        .filter(p -> !p.effectiveFrom().isAfter(day) && p.matches(model))
        .max(
            Comparator.comparingInt(ModelPrice::specificity)
                .thenComparing(ModelPrice::effectiveFrom));
  }

  /**
   * Checks that every agent's model has a price today, so a step never runs unpriced.
   *
   * @throws CatalogException naming the agents without a price
   */
  public void requirePricesFor(AgentCatalog catalog, Instant now) {
    List<String> missing = new ArrayList<>();
    for (AgentDefinition agent : catalog.agents()) {
      if (find(agent.model(), now).isEmpty()) {
        missing.add(agent.name() + " (" + agent.model() + ")");
      }
    }
    if (!missing.isEmpty()) {
      throw new CatalogException(
          "the price table "
              + source
              + " has no price for the models of "
              + String.join(", ", missing));
    }
  }

  private static TokenRates rates(JsonNode node, String where) {
    return new TokenRates(
        micros(node, "input", where),
        micros(node, "cachedInput", where),
        micros(node, "output", where),
        micros(node, "thinking", where));
  }

  /** A decimal credits-per-million price → integer micro-credits per million tokens, exactly. */
  static long micros(JsonNode node, String field, String where) {
    JsonNode value = node.get(field);
    BigDecimal credits;
    try {
      if (value != null && value.isTextual()) {
        credits = new BigDecimal(value.asText().strip());
      } else if (value != null && value.isNumber()) {
        credits = value.decimalValue();
      } else {
        throw new CatalogException(
            where + ": " + field + " is required (credits per million tokens, e.g. \"0.30\")");
      }
    } catch (NumberFormatException e) {
      throw new CatalogException(where + ": " + field + " is not a decimal number: " + value, e);
    }
    if (credits.signum() < 0) {
      throw new CatalogException(where + ": " + field + " cannot be negative");
    }
    try {
      return credits.multiply(MICROS).stripTrailingZeros().longValueExact();
    } catch (ArithmeticException e) {
      throw new CatalogException(
          where
              + ": "
              + field
              + " = "
              + credits.toPlainString()
              + " is finer than a micro-credit per million tokens",
          e);
    }
  }

  private static String text(JsonNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw new CatalogException(where + ": \"" + field + "\" must be a non-empty string");
    }
    return value.asText().strip();
  }

  private static void unknownFields(JsonNode node, Set<String> known, String where) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!known.contains(name)) {
        throw new CatalogException(where + ": unknown field \"" + name + "\"");
      }
    }
  }
}
