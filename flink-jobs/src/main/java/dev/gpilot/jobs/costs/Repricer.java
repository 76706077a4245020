package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.agents.ModelPrice;
import dev.gpilot.contracts.agents.PriceTable;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.step.StepResult;
import java.io.ByteArrayInputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Prices a finished attempt again with another price table (a replay, SPEC.md section 8), as the
 * executor priced it: the agent's catalog model, looked up in the table's version in force at the
 * attempt's finish, its usage priced exactly and rounded once, half up ({@link
 * ModelPrice#costMicros}). Plain logic, no Flink types.
 *
 * <p>What is left as it was, and why:
 *
 * <ul>
 *   <li>an attempt without usage or model (no model was called): it cost nothing and still costs
 *       nothing;
 *   <li>an attempt whose cost carries no {@code priceVersion}: that cost did not come from a price
 *       table (a provider reported it, or a script set it), so it stays authoritative;
 *   <li>an attempt whose model has no price in the table: kept with its recorded cost (counted by
 *       the caller).
 * </ul>
 *
 * Exactness: a step result carries the sum of its calls' usage, and the executor priced each call
 * at the rates its prompt size selects before summing; both agree whenever the calls of an attempt
 * fall on the same side of a long-context threshold (integer prices are linear), which is every
 * attempt without a repair call above 200,000 prompt tokens.
 */
public final class Repricer implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What {@link #reprice} did with one result. */
  public enum Outcome {
    REPRICED,
    NO_MODEL,
    AUTHORITATIVE,
    UNPRICED
  }

  /** A result with its new price, and what happened. */
  public record Repriced(StepResult result, Outcome outcome) {}

  private final String pricesJson;
  private final String pricesSource;
  private final Map<String, String> agentModels;
  private transient PriceTable prices;

  /**
   * (model, version, UTC day) → entry: a lookup matches every pattern, so it is done once per key
   * and day.
   */
  private transient Map<String, Optional<ModelPrice>> lookups;

  /**
   * @param prices the table to price with (read from a file: its JSON travels with the job)
   * @param agentModels each agent's catalog model (what the executor prices)
   */
  public Repricer(PriceTable prices, Map<String, String> agentModels) {
    this.pricesJson = prices.json();
    this.pricesSource = prices.source();
    this.agentModels = Map.copyOf(agentModels);
    this.prices = prices;
  }

  /**
   * The result with {@code costMicros} and {@code priceVersion} from this table; everything else as
   * it was.
   */
  public Repriced reprice(StepResult r) {
    Usage usage = r.usage();
    if (r.model() == null || usage == null) {
      return new Repriced(r, Outcome.NO_MODEL);
    }
    if (r.priceVersion() == null) {
      return new Repriced(r, Outcome.AUTHORITATIVE);
    }
    String model = agentModels.getOrDefault(r.agent() == null ? "" : r.agent(), r.model());
    Optional<ModelPrice> price = find(model, Instant.ofEpochMilli(r.finishedAt()));
    if (price.isEmpty()) {
      return new Repriced(r, Outcome.UNPRICED);
    }
    long cost = price.get().costMicros(usage);
    return new Repriced(r.withCost(cost, price.get().priceVersion()), Outcome.REPRICED);
  }

  private Optional<ModelPrice> find(String model, Instant at) {
    if (lookups == null || lookups.size() > 100_000) {
      lookups = new HashMap<>();
    }
    PriceTable table = table();
    String key =
        model
            + "\u0000"
            + table.versionAt(at).version()
            + "\u0000"
            + Math.floorDiv(at.getEpochSecond(), 86_400);
    return lookups.computeIfAbsent(key, k -> table.find(model, at));
  }

  private PriceTable table() {
    if (prices == null) {
      prices =
          PriceTable.parse(
              new ByteArrayInputStream(pricesJson.getBytes(StandardCharsets.UTF_8)),
              Objects.requireNonNullElse(pricesSource, "replay prices"));
    }
    return prices;
  }
}
