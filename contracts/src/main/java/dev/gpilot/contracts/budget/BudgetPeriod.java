package dev.gpilot.contracts.budget;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/**
 * How often a budget starts again. Periods are UTC days; a week or month starts on the budget's
 * reset day.
 */
public enum BudgetPeriod {
  DAY,
  WEEK,
  MONTH,
  TOTAL;

  /** The first instant of the period that holds {@code at} (epoch ms); 0 for {@link #TOTAL}. */
  public long start(long at, int resetDay) {
    LocalDate day = Instant.ofEpochMilli(at).atZone(ZoneOffset.UTC).toLocalDate();
    LocalDate first =
        switch (this) {
          case DAY -> day;
          case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.of(resetDay)));
          case MONTH ->
              day.getDayOfMonth() >= resetDay
                  ? day.withDayOfMonth(resetDay)
                  : day.minusMonths(1).withDayOfMonth(resetDay);
          case TOTAL -> null;
        };
    return first == null ? 0 : first.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
  }

  /**
   * The first instant after the period that starts at {@code start}; {@link Long#MAX_VALUE} for
   * {@link #TOTAL}.
   */
  public long end(long start) {
    LocalDate first = Instant.ofEpochMilli(start).atZone(ZoneOffset.UTC).toLocalDate();
    LocalDate next =
        switch (this) {
          case DAY -> first.plusDays(1);
          case WEEK -> first.plusWeeks(1);
          case MONTH -> first.plusMonths(1);
          case TOTAL -> null;
        };
    return next == null
        ? Long.MAX_VALUE
        : next.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
  }

  /**
   * The reset day this period accepts: 1–28 for {@link #MONTH} (every month has it), 1–7
   * (Monday–Sunday) for {@link #WEEK}, 0 (none given) meaning 1; other periods ignore it (1).
   */
  public int checkResetDay(int resetDay) {
    int max =
        switch (this) {
          case WEEK -> 7;
          case MONTH -> 28;
          default -> 0;
        };
    if (max == 0 || resetDay == 0) {
      return 1;
    }
    if (resetDay < 1 || resetDay > max) {
      throw new IllegalArgumentException(
          "resetDay must be 1-" + max + " for a " + name().toLowerCase(Locale.ROOT) + " budget");
    }
    return resetDay;
  }

  @JsonValue
  public String json() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static BudgetPeriod parse(String text) {
    if (text != null) {
      for (BudgetPeriod p : values()) {
        if (p.json().equals(text)) {
          return p;
        }
      }
    }
    throw new IllegalArgumentException("period must be one of day, week, month, total");
  }
}
