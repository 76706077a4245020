package dev.gpilot.api.analytics;

import dev.gpilot.api.http.ApiException;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A workspace's usage over one UTC month, invoice-like: a line per (agent, model) and the total,
 * which is the sum of the lines and equals {@code agent-costs} over the same range to the
 * micro-credit (both read the same rollups).
 *
 * @param from the month's first instant (inclusive)
 * @param to the next month's first instant (exclusive)
 */
public record MonthlyUsage(
    String workspaceId,
    String month,
    Instant from,
    Instant to,
    List<UsageLine> lines,
    long totalMicros) {
  private static final Pattern MONTH = Pattern.compile("^\\d{4}-\\d{2}$");
  static final String CSV_HEADER = "agent,model,attempts,inputTokens,outputTokens,costMicros";

  /**
   * The month of a {@code month=YYYY-MM} parameter; the current UTC month when absent.
   *
   * @throws ApiException 400 for anything but a month from 1970-01 to 2106-01 (the cost records'
   *     range)
   */
  static YearMonth month(String param, Instant now) {
    if (param == null || param.isBlank()) {
      return YearMonth.from(now.atZone(ZoneOffset.UTC));
    }
    YearMonth m;
    try {
      if (!MONTH.matcher(param.strip()).matches()) {
        throw new DateTimeParseException("not YYYY-MM", param, 0);
      }
      m = YearMonth.parse(param.strip());
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest(
          "'month' must be a month as YYYY-MM (2026-11), got '" + param + "'");
    }
    if (m.isBefore(YearMonth.of(1970, 1)) || start(m.plusMonths(1)).isAfter(CostQuery.LAST)) {
      throw ApiException.badRequest(
          "'month' must be from 1970-01 to 2106-01 (the range of cost records), got '"
              + param
              + "'");
    }
    return m;
  }

  static Instant start(YearMonth m) {
    return m.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  /** RFC 4180, CRLF: the lines only (the total is their sum). */
  String csv() {
    StringBuilder out = new StringBuilder(CSV_HEADER).append("\r\n");
    for (UsageLine l : lines) {
      out.append(AnalyticsRoutes.field(l.agent()))
          .append(',')
          .append(AnalyticsRoutes.field(l.model()))
          .append(',')
          .append(l.attempts())
          .append(',')
          .append(l.inputTokens())
          .append(',')
          .append(l.outputTokens())
          .append(',')
          .append(l.costMicros())
          .append("\r\n");
    }
    return out.toString();
  }
}
