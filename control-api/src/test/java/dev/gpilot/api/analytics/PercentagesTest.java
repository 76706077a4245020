package dev.gpilot.api.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class PercentagesTest {
  static BigDecimal sum(List<BigDecimal> values) {
    return values.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
  }

  @Test
  void thirds_sumToExactly100_theExtraHundredthGoesToTheFirstOfTheTies() {
    List<BigDecimal> p = Percentages.of(List.of(1L, 1L, 1L));
    assertThat(p).extracting(BigDecimal::toPlainString).containsExactly("33.34", "33.33", "33.33");
  }

  @Test
  void largestRemaindersGetTheMissingHundredths() {
    // 66.6666 / 16.6666 / 16.6666 (truncated 66.66 + 16.66 + 16.66 = 99.98): the two largest
    // remainders get +0.01
    List<BigDecimal> p = Percentages.of(List.of(4L, 1L, 1L));
    assertThat(sum(p)).isEqualByComparingTo("100");
    assertThat(p).extracting(BigDecimal::toPlainString).containsExactly("66.67", "16.67", "16.66");
    List<BigDecimal> skewed = Percentages.of(List.of(999_999_999L, 1L, 3L, 7L));
    assertThat(sum(skewed)).isEqualByComparingTo("100");
    assertThat(skewed.get(0).toPlainString()).isEqualTo("100.00");
  }

  @Test
  void zeroTotal_givesZeros_andHugeValuesDoNotOverflow() {
    assertThat(Percentages.of(List.of(0L, 0L)))
        .extracting(BigDecimal::toPlainString)
        .containsExactly("0.00", "0.00");
    assertThat(sum(Percentages.of(List.of(Long.MAX_VALUE / 2, Long.MAX_VALUE / 3))))
        .isEqualByComparingTo("100");
  }
}
