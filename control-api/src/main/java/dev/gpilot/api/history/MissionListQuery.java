package dev.gpilot.api.history;

import dev.gpilot.api.http.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A checked {@code GET /api/v1/missions} request: the caller's workspace, optional statuses, an
 * optional search text, a page size and where the page starts.
 *
 * @param statuses only missions in one of these statuses; empty: all
 * @param search only missions whose text contains this, ignoring case; null: all
 * @param limit 1 to {@value #MAX_LIMIT}
 * @param after the page starts after this mission (the previous page's last); null: the newest
 */
public record MissionListQuery(
    String workspaceId, Set<String> statuses, String search, int limit, Cursor after) {
  public static final int DEFAULT_LIMIT = 20;
  public static final int MAX_LIMIT = 100;
  public static final int MAX_SEARCH = 200;
  static final List<String> STATUSES =
      List.of(
          "SUBMITTED",
          "PLANNING",
          "RUNNING",
          "PAUSED",
          "COMPLETED",
          "FAILED",
          "CANCELLED",
          "TIMED_OUT",
          "BUDGET_EXCEEDED");

  public MissionListQuery {
    Objects.requireNonNull(workspaceId, "workspaceId");
    statuses = Set.copyOf(statuses);
  }

  /**
   * A position in the list, newest first: (submitted time, mission id) of the last mission of a
   * page. Opaque to clients (base64url).
   */
  public record Cursor(long submittedAtMs, String missionId) {
    private static final Pattern ID = Pattern.compile("^[A-Za-z0-9._:-]{1,128}$");

    public String encode() {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(
              ("v1:" + submittedAtMs + ":" + missionId).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @throws ApiException 400 for anything {@link #encode()} did not make
     */
    static Cursor decode(String value) {
      try {
        String text =
            new String(Base64.getUrlDecoder().decode(value.strip()), StandardCharsets.UTF_8);
        String[] parts = text.split(":", 3);
        if (parts.length == 3 && parts[0].equals("v1") && ID.matcher(parts[2]).matches()) {
          long submitted = Long.parseLong(parts[1]);
          if (submitted >= 0) {
            return new Cursor(submitted, parts[2]);
          }
        }
      } catch (IllegalArgumentException e) {
        // answered below (NumberFormatException is one)
      }
      throw ApiException.badRequest("'cursor' is not a cursor this API returned");
    }
  }

  /**
   * Reads and checks the query parameters.
   *
   * @param status a status or a comma-separated list of them (any case)
   * @param q search text, at most {@value #MAX_SEARCH} characters
   * @param limit 1 to {@value #MAX_LIMIT}, default {@value #DEFAULT_LIMIT}
   * @param cursor the previous page's {@code nextCursor}
   * @throws ApiException 400 naming the parameter and the reason
   */
  public static MissionListQuery parse(
      String workspaceId, String status, String q, String limit, String cursor) {
    Set<String> statuses = new LinkedHashSet<>();
    if (status != null && !status.isBlank()) {
      for (String s : status.split(",")) {
        String name = s.strip().toUpperCase(Locale.ROOT);
        if (!STATUSES.contains(name)) {
          throw ApiException.badRequest(
              "'status' must be one or more (comma-separated) of "
                  + String.join(", ", STATUSES)
                  + ", got '"
                  + s.strip()
                  + "'");
        }
        statuses.add(name);
      }
    }
    String search = q == null || q.isBlank() ? null : q.strip();
    if (search != null && search.length() > MAX_SEARCH) {
      throw ApiException.badRequest("'q' is longer than " + MAX_SEARCH + " characters");
    }
    int size = DEFAULT_LIMIT;
    if (limit != null && !limit.isBlank()) {
      try {
        size = Integer.parseInt(limit.strip());
      } catch (NumberFormatException e) {
        size = -1;
      }
      if (size < 1 || size > MAX_LIMIT) {
        throw ApiException.badRequest(
            "'limit' must be an integer from 1 to " + MAX_LIMIT + ", got '" + limit + "'");
      }
    }
    Cursor after = cursor == null || cursor.isBlank() ? null : Cursor.decode(cursor);
    return new MissionListQuery(workspaceId, statuses, search, size, after);
  }

  /** The statuses in a stable order (for SQL). */
  List<String> statusList() {
    List<String> list = new ArrayList<>(statuses);
    list.sort(null);
    return list;
  }
}
