package dev.gpilot.contracts.budget;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * {@code hard}: an attempt the budget cannot cover waits (its mission pauses); {@code soft}: alerts
 * only.
 */
public enum BudgetMode {
  HARD,
  SOFT;

  @JsonValue
  public String json() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static BudgetMode parse(String text) {
    if ("hard".equals(text)) {
      return HARD;
    }
    if ("soft".equals(text)) {
      return SOFT;
    }
    throw new IllegalArgumentException("mode must be hard or soft");
  }
}
