package dev.gpilot.contracts.agents;

import dev.gpilot.contracts.cost.Usage;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One entry of the price table: the prices of the models whose name matches {@link
 * #modelPattern()}, from {@link #effectiveFrom()} (UTC day) until a later entry of the same pattern
 * takes over.
 *
 * @param id the entry's id, unique in its table (e.g. {@code gemini-2.5-flash@2025-06-17})
 * @param tableVersion the version of the table the entry belongs to
 * @param modelPattern a model name, {@code *} matching any run of characters (e.g. {@code
 *     gemini-2.5-flash*})
 * @param effectiveFrom the first UTC day the prices apply
 * @param rates the prices per million tokens
 * @param longContextAbove prompt size above which {@link #longContextRates()} apply to a call, 0
 *     for none
 * @param longContextRates the prices of a call whose prompt has more than {@code longContextAbove}
 *     tokens, or null
 */
public record ModelPrice(
    String id,
    String tableVersion,
    String modelPattern,
    LocalDate effectiveFrom,
    TokenRates rates,
    long longContextAbove,
    TokenRates longContextRates) {

  private static final long ONE_MILLION = 1_000_000L;

  public ModelPrice {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tableVersion, "tableVersion");
    Objects.requireNonNull(modelPattern, "modelPattern");
    Objects.requireNonNull(effectiveFrom, "effectiveFrom");
    Objects.requireNonNull(rates, "rates");
    if ((longContextRates == null) != (longContextAbove == 0)) {
      throw new IllegalArgumentException(
          "price '" + id + "': longContext needs both promptTokensAbove (> 0) and its prices");
    }
    if (longContextAbove < 0) {
      throw new IllegalArgumentException(
          "price '" + id + "': promptTokensAbove cannot be negative");
    }
  }

  /** The version recorded with a cost: {@code <tableVersion>/<id>}. */
  public String priceVersion() {
    return tableVersion + "/" + id;
  }

  /** Whether the pattern matches the model name (a leading {@code models/} is ignored). */
  public boolean matches(String model) {
    return regex(modelPattern).matcher(bareModel(model)).matches();
  }

  /**
   * How specific the pattern is: its number of literal characters. The most specific matching
   * pattern wins.
   */
  int specificity() {
    return modelPattern.replace("*", "").length();
  }

  /** The rates that apply to one call of {@code usage}. */
  public TokenRates ratesFor(Usage usage) {
    return longContextRates != null && usage.promptTokens() > longContextAbove
        ? longContextRates
        : rates;
  }

  /**
   * What one step attempt costs, in micro-credits: each call is priced exactly (at the rates its
   * prompt size selects), the exact sum is rounded once, half up, to a whole micro-credit.
   *
   * @throws ArithmeticException on overflow (not reachable with real token counts)
   */
  public long costMicros(List<Usage> calls) {
    long exact = 0;
    for (Usage call : calls) {
      exact = Math.addExact(exact, ratesFor(call).exactCost(call));
    }
    return roundHalfUp(exact);
  }

  /** {@link #costMicros(List)} of a single call. */
  public long costMicros(Usage call) {
    return costMicros(List.of(call));
  }

  /** micro-credits × 10^6 → micro-credits, half up (costs are never negative). */
  static long roundHalfUp(long exact) {
    return exact / ONE_MILLION + (exact % ONE_MILLION >= ONE_MILLION / 2 ? 1 : 0);
  }

  static String bareModel(String model) {
    return model.startsWith("models/") ? model.substring("models/".length()) : model;
  }

  private static Pattern regex(String glob) {
    String[] parts = glob.split("\\*", -1);
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        regex.append(".*");
      }
      if (!parts[i].isEmpty()) {
        regex.append(Pattern.quote(parts[i]));
      }
    }
    return Pattern.compile(regex.toString());
  }
}
