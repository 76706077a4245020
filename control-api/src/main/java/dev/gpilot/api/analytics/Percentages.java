package dev.gpilot.api.analytics;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Shares of a total as percentages with 2 decimals that sum to exactly 100.00, by the largest
 * remainder method: each share gets its truncated number of hundredths of a percent, and the
 * hundredths still missing go, one each, to the shares with the largest truncated remainders (ties:
 * the larger share, then the earlier one).
 */
final class Percentages {
  private static final BigInteger UNITS = BigInteger.valueOf(10_000);

  private Percentages() {}

  /** The percentages of {@code values} (non-negative), in their order; all 0 when they sum to 0. */
  static List<BigDecimal> of(List<Long> values) {
    BigInteger total =
        values.stream().map(BigInteger::valueOf).reduce(BigInteger.ZERO, BigInteger::add);
    List<BigDecimal> result = new ArrayList<>();
    if (total.signum() == 0) {
      values.forEach(v -> result.add(BigDecimal.ZERO.setScale(2)));
      return result;
    }
    long[] units = new long[values.size()];
    BigInteger[] remainders = new BigInteger[values.size()];
    long assigned = 0;
    for (int i = 0; i < values.size(); i++) {
      BigInteger[] qr = BigInteger.valueOf(values.get(i)).multiply(UNITS).divideAndRemainder(total);
      units[i] = qr[0].longValueExact();
      remainders[i] = qr[1];
      assigned += units[i];
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      order.add(i);
    }
    order.sort(
        Comparator.<Integer, BigInteger>comparing(i -> remainders[i])
            .reversed()
            .thenComparing(i -> values.get(i), Comparator.reverseOrder())
            .thenComparing(i -> i));
    for (int k = 0; k < UNITS.longValueExact() - assigned; k++) {
      units[order.get(k)]++;
    }
    for (long u : units) {
      result.add(BigDecimal.valueOf(u, 2));
    }
    return result;
  }
}
