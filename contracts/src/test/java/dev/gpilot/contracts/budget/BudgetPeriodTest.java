package dev.gpilot.contracts.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpilot.contracts.json.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BudgetPeriodTest {
  /**
   * A Saturday afternoon (2025-01-01 was a Wednesday; 15 March is 73 days later: 10 weeks and 3
   * days).
   */
  private static final long SATURDAY_15_MARCH = ms("2025-03-15T13:45:12.345Z");

  @Test
  void day_runsFromUtcMidnightToTheNext() {
    long start = BudgetPeriod.DAY.start(SATURDAY_15_MARCH, 1);
    assertThat(start).isEqualTo(ms("2025-03-15T00:00:00Z"));
    assertThat(BudgetPeriod.DAY.end(start)).isEqualTo(ms("2025-03-16T00:00:00Z"));
    assertThat(BudgetPeriod.DAY.start(ms("2025-03-15T23:59:59.999Z"), 1))
        .as("the last ms is the same day")
        .isEqualTo(start);
  }

  @Test
  void week_startsOnItsResetDay_mondayToSunday() {
    assertThat(BudgetPeriod.WEEK.start(SATURDAY_15_MARCH, 1))
        .as("Monday")
        .isEqualTo(ms("2025-03-10T00:00:00Z"));
    assertThat(BudgetPeriod.WEEK.start(SATURDAY_15_MARCH, 6))
        .as("Saturday: today")
        .isEqualTo(ms("2025-03-15T00:00:00Z"));
    assertThat(BudgetPeriod.WEEK.start(SATURDAY_15_MARCH, 7))
        .as("Sunday")
        .isEqualTo(ms("2025-03-09T00:00:00Z"));
    assertThat(BudgetPeriod.WEEK.end(ms("2025-03-10T00:00:00Z")))
        .isEqualTo(ms("2025-03-17T00:00:00Z"));
  }

  @Test
  void month_startsOnItsResetDay_inThisMonthOrTheLast() {
    assertThat(BudgetPeriod.MONTH.start(SATURDAY_15_MARCH, 15))
        .as("on the reset day")
        .isEqualTo(ms("2025-03-15T00:00:00Z"));
    assertThat(BudgetPeriod.MONTH.start(SATURDAY_15_MARCH, 20))
        .as("before the reset day")
        .isEqualTo(ms("2025-02-20T00:00:00Z"));
    long start = BudgetPeriod.MONTH.start(ms("2025-03-01T00:00:00Z"), 28);
    assertThat(start).as("28 exists in February").isEqualTo(ms("2025-02-28T00:00:00Z"));
    assertThat(BudgetPeriod.MONTH.end(start)).isEqualTo(ms("2025-03-28T00:00:00Z"));
    assertThat(BudgetPeriod.MONTH.start(ms("2025-01-10T00:00:00Z"), 15))
        .as("across a year")
        .isEqualTo(ms("2024-12-15T00:00:00Z"));
  }

  @Test
  void total_neverStartsAgainNorEnds() {
    assertThat(BudgetPeriod.TOTAL.start(SATURDAY_15_MARCH, 1)).isZero();
    assertThat(BudgetPeriod.TOTAL.end(0)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void everyInstantLiesInThePeriodThatHoldsIt() {
    for (BudgetPeriod period : BudgetPeriod.values()) {
      for (int resetDay = 1; resetDay <= 7; resetDay++) {
        for (long at = ms("2024-02-20T00:00:00Z");
            at < ms("2024-03-10T00:00:00Z");
            at += 3_599_999L) {
          long start = period.start(at, resetDay);
          assertThat(start).as("%s %d", period, resetDay).isLessThanOrEqualTo(at);
          assertThat(period.end(start)).as("%s %d", period, resetDay).isGreaterThan(at);
        }
      }
    }
  }

  @Test
  void resetDay_isCheckedForWeeksAndMonths_andDefaultsToOne() {
    assertThat(BudgetPeriod.WEEK.checkResetDay(0)).as("none given").isEqualTo(1);
    assertThat(BudgetPeriod.WEEK.checkResetDay(7)).isEqualTo(7);
    assertThat(BudgetPeriod.MONTH.checkResetDay(28)).isEqualTo(28);
    assertThat(BudgetPeriod.DAY.checkResetDay(17)).as("ignored").isEqualTo(1);
    assertThat(BudgetPeriod.TOTAL.checkResetDay(-3)).as("ignored").isEqualTo(1);
    assertThatThrownBy(() -> BudgetPeriod.WEEK.checkResetDay(8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("resetDay must be 1-7 for a week budget");
    assertThatThrownBy(() -> BudgetPeriod.MONTH.checkResetDay(29))
        .as("not every month has a 29th")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("resetDay must be 1-28 for a month budget");
    assertThatThrownBy(() -> BudgetPeriod.MONTH.checkResetDay(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void periodsAndModes_areLowercaseInJson_andOnlyTheirNamesParse() throws Exception {
    assertThat(Json.mapper().writeValueAsString(BudgetPeriod.MONTH)).isEqualTo("\"month\"");
    assertThat(Json.mapper().readValue("\"week\"", BudgetPeriod.class))
        .isEqualTo(BudgetPeriod.WEEK);
    assertThat(Json.mapper().writeValueAsString(BudgetMode.SOFT)).isEqualTo("\"soft\"");
    assertThat(Json.mapper().readValue("\"hard\"", BudgetMode.class)).isEqualTo(BudgetMode.HARD);
    assertThatThrownBy(() -> BudgetPeriod.parse("MONTH"))
        .hasMessage("period must be one of day, week, month, total");
    assertThatThrownBy(() -> BudgetPeriod.parse(null))
        .hasMessage("period must be one of day, week, month, total");
    assertThatThrownBy(() -> BudgetMode.parse("Hard")).hasMessage("mode must be hard or soft");
  }

  private static long ms(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }
}
