package dev.gpilot.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import dev.gpilot.contracts.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small client for ClickHouse's HTTP interface, limited to what both Debian's ClickHouse 18.16
 * and a current ClickHouse accept: one statement per request, rows in and out as {@code
 * JSONEachRow}, uncompressed.
 *
 * <p>Why not the JDBC driver: on 18.16 its SELECTs fail (the server lacks
 * RowBinaryWithNamesAndTypes) and the v2 client silently returns nothing with compressed responses
 * (docs/DESIGN.md); plain HTTP works the same on both. Thread-safe.
 */
public final class ClickHouseClient {
  private static final String CODE_HEADER = "X-ClickHouse-Exception-Code";
  private static final Pattern ERROR_CODE = Pattern.compile("Code: (\\d{1,9})\\b");

  private final URI baseUrl;
  private final String database;
  private final String user;
  private final String password;
  private final HttpClient http;
  private final Duration timeout;

  /**
   * @param url the HTTP endpoint, e.g. {@code http://127.0.0.1:8123}; user and password may be
   *     given in it as {@code http://user:password@host:port}
   * @param database the database statements run in; null for the server's default
   */
  public ClickHouseClient(String url, String database, Duration timeout) {
    URI uri = URI.create(Objects.requireNonNull(url, "url"));
    String userInfo = uri.getUserInfo();
    this.user = userInfo == null ? null : userInfo.split(":", 2)[0];
    this.password = userInfo == null || !userInfo.contains(":") ? null : userInfo.split(":", 2)[1];
    this.baseUrl = URI.create(uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort() + "/");
    this.database = database;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  public String database() {
    return database;
  }

  /** The same server, with another default database. */
  public ClickHouseClient withDatabase(String otherDatabase) {
    String auth = user == null ? "" : user + (password == null ? "" : ":" + password) + "@";
    return new ClickHouseClient(
        baseUrl.getScheme() + "://" + auth + baseUrl.getHost() + ":" + baseUrl.getPort(),
        otherDatabase,
        timeout);
  }

  /** Runs one statement that returns no rows (DDL, INSERT ... SELECT). */
  public void execute(String sql) {
    send(null, sql.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Inserts rows in one request, in ClickHouse's input {@code format} (e.g. {@code RowBinary});
   * {@code columns} are those each row fills, in order (empty: all of the table's, or those the
   * rows name).
   *
   * @throws ClickHouseException when the insert failed; nothing or everything of it was written
   */
  public void insert(String table, List<String> columns, String format, byte[] rows) {
    if (rows.length == 0) {
      return;
    }
    String into = columns.isEmpty() ? table : table + " (" + String.join(", ", columns) + ")";
    send("INSERT INTO " + into + " FORMAT " + format, rows);
  }

  /**
   * Runs a SELECT and returns its rows; 64-bit integers may come back as JSON strings (use {@code
   * asLong()}).
   */
  public List<JsonNode> query(String sql) {
    byte[] response = send(null, (sql + "\nFORMAT JSONEachRow").getBytes(StandardCharsets.UTF_8));
    List<JsonNode> rows = new ArrayList<>();
    try (MappingIterator<JsonNode> it =
        Json.mapper().readerFor(JsonNode.class).readValues(response)) {
      while (it.hasNextValue()) {
        rows.add(it.nextValue());
      }
    } catch (IOException e) {
      throw new ClickHouseException("unreadable ClickHouse response: " + e.getMessage(), false, e);
    }
    return rows;
  }

  /** Whether the server answers its health check. */
  public boolean ping() {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(baseUrl.resolve("ping")).timeout(Duration.ofSeconds(2)).build();
      return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private byte[] send(String query, byte[] body) {
    StringBuilder url = new StringBuilder(baseUrl.toString()).append('?');
    if (database != null) {
      url.append("database=").append(enc(database)).append('&');
    }
    if (query != null) {
      url.append("query=").append(enc(query)).append('&');
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url.toString()))
            .timeout(timeout)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (user != null) {
      request.header("X-ClickHouse-User", user);
      if (password != null) {
        request.header("X-ClickHouse-Key", password);
      }
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new ClickHouseException("ClickHouse at " + baseUrl + " unreachable: " + e, true, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClickHouseException("interrupted while calling ClickHouse", true, e);
    }
    int status = response.statusCode();
    if (status != 200) {
      String message = new String(response.body(), StandardCharsets.UTF_8).strip();
      if (message.length() > 1000) {
        message = message.substring(0, 1000) + "...";
      }
      throw new ClickHouseException(
          "ClickHouse answered " + status + ": " + message,
          status >= 500 && !isSyntax(message),
          errorCode(response.headers().firstValue(CODE_HEADER).orElse(null), message),
          null);
    }
    return response.body();
  }

  /**
   * The error code of a failed request: the {@value #CODE_HEADER} header of a current server, else
   * the {@code Code: N} that starts the message (18.16: {@code Code: 81, e.displayText() = ...};
   * current: {@code Code: 81. DB::Exception: ...}); 0 when there is neither.
   *
   * @param header the header's value, null without one
   */
  static int errorCode(String header, String message) {
    Matcher code = ERROR_CODE.matcher(header == null ? message : "Code: " + header.strip());
    return code.lookingAt() ? Integer.parseInt(code.group(1)) : 0;
  }

  /**
   * A ClickHouse string literal (18.16 has no query parameters): quotes, backslashes and control
   * characters escaped, so no input can leave the literal.
   */
  public static String literal(String value) {
    StringBuilder sql = new StringBuilder(value.length() + 2).append('\'');
    for (char c : value.toCharArray()) {
      switch (c) {
        case '\\' -> sql.append("\\\\");
        case '\'' -> sql.append("\\'");
        case '\n' -> sql.append("\\n");
        case '\r' -> sql.append("\\r");
        case '\t' -> sql.append("\\t");
        case '\0' -> sql.append("\\0");
        default -> sql.append(c);
      }
    }
    return sql.append('\'').toString();
  }

  /**
   * ClickHouse answers 500 for some errors in the request itself; those will not pass on a retry
   * either.
   */
  private static boolean isSyntax(String message) {
    return message.contains("Syntax error")
        || message.contains("Cannot parse")
        || message.contains("Unknown identifier")
        || message.contains("UNKNOWN_TABLE")
        || message.contains("doesn't exist");
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
