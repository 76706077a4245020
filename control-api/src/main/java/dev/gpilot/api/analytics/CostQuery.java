package dev.gpilot.api.analytics;

import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.cost.CostRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A checked analytics request: the caller's workspace, a range of whole minutes and optional
 * filters.
 *
 * <p>Costs are counted by the minute their attempt finished in (the rollups' resolution), so {@code
 * from} is rounded down and {@code to} up to whole minutes: the range covers every minute that
 * overlaps {@code [from, to)}.
 *
 * @param from inclusive, a whole minute
 * @param to exclusive, a whole minute after {@code from}, or {@link #LAST} for a range that reaches
 *     it
 * @param agent only this agent, or null
 * @param model only this model, or null
 */
public record CostQuery(String workspaceId, Instant from, Instant to, String agent, String model) {
  public static final Duration MAX_RANGE = Duration.ofDays(400);
  public static final Duration DEFAULT_RANGE = Duration.ofDays(1);
  private static final Pattern AGENT = Pattern.compile("^[a-z][a-z0-9-]{0,63}$");
  private static final long MINUTE_MS = 60_000;

  /**
   * The first instant costs are counted at: cost records' times and ClickHouse's {@code DateTime}
   * start here.
   */
  public static final Instant FIRST = Instant.EPOCH;

  /**
   * The last whole second costs are counted at ({@link CostRecord#MAX_EPOCH_MS}, ClickHouse's last
   * DateTime).
   */
  public static final Instant LAST = Instant.ofEpochSecond(CostRecord.MAX_EPOCH_MS / 1000);

  public CostQuery {
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
  }

  /**
   * Reads and checks the query parameters.
   *
   * @param fromParam ISO-8601 instant, default {@code to} minus one day
   * @param toParam ISO-8601 instant, default now
   * @throws ApiException 400 naming the parameter and the reason
   */
  public static CostQuery parse(
      String workspaceId,
      String fromParam,
      String toParam,
      String agent,
      String model,
      Instant now) {
    Instant to = toParam == null || toParam.isBlank() ? now : instant("to", toParam);
    Instant from =
        fromParam == null || fromParam.isBlank()
            ? latest(FIRST, to.minus(DEFAULT_RANGE))
            : instant("from", fromParam);
    if (!from.isBefore(to)) {
      throw ApiException.badRequest("'from' (" + from + ") must be before 'to' (" + to + ")");
    }
    if (Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
      throw ApiException.badRequest(
          "the range from " + from + " to " + to + " is longer than 400 days");
    }
    if (agent != null && !agent.isBlank() && !AGENT.matcher(agent).matches()) {
      throw ApiException.badRequest(
          "'agent' must be an agent name (^[a-z][a-z0-9-]{0,63}$), got '" + agent + "'");
    }
    if (model != null && model.length() > 200) {
      throw ApiException.badRequest("'model' is longer than 200 characters");
    }
    // A range up to LAST's own minute would end after it, where ClickHouse's DateTime wraps around
    // to 1970.
    Instant end = ceilMinute(to);
    return new CostQuery(
        workspaceId,
        floorMinute(from),
        end.isAfter(LAST) ? LAST : end,
        blankToNull(agent),
        blankToNull(model));
  }

  /**
   * @throws ApiException 400 for a malformed instant or one outside {@link #FIRST}..{@link #LAST}
   */
  private static Instant instant(String name, String value) {
    Instant instant;
    try {
      instant = Instant.parse(value);
    } catch (DateTimeParseException e) {
      try {
        instant = OffsetDateTime.parse(value).toInstant();
      } catch (DateTimeParseException e2) {
        throw ApiException.badRequest(
            "'"
                + name
                + "' must be an ISO-8601 instant such as 2026-01-31T12:00:00Z, got '"
                + value
                + "'");
      }
    }
    if (instant.isBefore(FIRST) || instant.isAfter(LAST)) {
      throw ApiException.badRequest(
          "'"
              + name
              + "' must be an instant from "
              + FIRST
              + " to "
              + LAST
              + " (the times ClickHouse's DateTime holds), got '"
              + value
              + "'");
    }
    return instant;
  }

  private static Instant latest(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  static Instant floorMinute(Instant t) {
    return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), MINUTE_MS) * MINUTE_MS);
  }

  private static Instant ceilMinute(Instant t) {
    Instant floor = floorMinute(t);
    return floor.equals(t) ? t : floor.plusMillis(MINUTE_MS);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}
