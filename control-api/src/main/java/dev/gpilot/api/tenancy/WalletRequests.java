package dev.gpilot.api.tenancy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.contracts.tenancy.BudgetRecord;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;

/** Parses {@code POST /api/v1/wallet/grants} and the ledger's query: strict fields, clear 400s. */
final class WalletRequests {
  private static final Set<String> FIELDS =
      Set.of("amountMicros", "effectiveAt", "expiresAt", "priority", "note", "grantId");

  private WalletRequests() {}

  /**
   * @param priority lower is drawn first (default 10)
   */
  record NewGrant(
      String grantId,
      long amountMicros,
      Long effectiveAt,
      Long expiresAt,
      int priority,
      String note) {}

  static NewGrant grant(InputStream body) {
    JsonNode json = TenancyRequests.object(body, FIELDS);
    JsonNode amount = json.get("amountMicros");
    if (amount == null
        || !amount.isIntegralNumber()
        || !amount.canConvertToLong()
        || amount.asLong() <= 0) {
      throw ApiException.badRequest(
          "'amountMicros' is required: a whole number of micro-credits, above 0");
    }
    String grantId = TenancyRequests.optionalText(json, "grantId");
    if (grantId != null && !BudgetRecord.ID.matcher(grantId).matches()) {
      throw ApiException.badRequest(
          "'grantId' must be 1-63 of a-z 0-9 - starting with a letter or digit");
    }
    int priority = 10;
    JsonNode p = json.get("priority");
    if (p != null && !p.isNull()) {
      if (!p.isIntegralNumber() || !p.canConvertToInt() || p.asInt() < 0 || p.asInt() > 1000) {
        throw ApiException.badRequest(
            "'priority' must be a whole number 0-1000 (lower is drawn first)");
      }
      priority = p.asInt();
    }
    String note = TenancyRequests.optionalText(json, "note");
    if (note != null && note.length() > 200) {
      throw ApiException.badRequest("'note' must be at most 200 characters");
    }
    return new NewGrant(
        grantId,
        amount.asLong(),
        instant(json.get("effectiveAt"), "effectiveAt"),
        instant(json.get("expiresAt"), "expiresAt"),
        priority,
        note);
  }

  /** ISO-8601 instant or epoch milliseconds; null when absent. */
  static Long instant(JsonNode v, String field) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isIntegralNumber() && v.canConvertToLong() && v.asLong() >= 0) {
      return v.asLong();
    }
    if (v.isTextual()) {
      return instant(v.asText(), field);
    }
    throw ApiException.badRequest(
        "'" + field + "' must be an ISO-8601 instant (2027-01-01T00:00:00Z) or epoch ms");
  }

  static Long instant(String text, String field) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(text).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest(
          "'" + field + "' must be an ISO-8601 instant (2027-01-01T00:00:00Z)");
    }
  }
}
