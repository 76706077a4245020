package dev.gpilot.contracts;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** The instants our command lines and price tables take: an ISO-8601 instant or a day in UTC. */
public final class Instants {

  private Instants() {}

  /**
   * {@code 2026-12-01T00:00:00Z} (any ISO-8601 offset) or {@code 2026-12-01} (the start of that day
   * in UTC); surrounding white space is ignored.
   *
   * @throws DateTimeParseException when the text is neither
   */
  public static Instant parseInstantOrDay(String text) {
    String value = text.strip();
    return value.length() == 10
        ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant()
        : OffsetDateTime.parse(value).toInstant();
  }
}
