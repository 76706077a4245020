package dev.gpilot.clickhouse;

/**
 * A ClickHouse request failed. {@link #retriable()} is true when the server was unreachable or
 * answered 5xx (a later attempt may succeed), false when it rejected the request itself (bad SQL,
 * bad data). {@link #code()} is the server's error code when it answered with one.
 */
public class ClickHouseException extends RuntimeException {
  /** ClickHouse's {@code UNKNOWN_TABLE}. */
  public static final int UNKNOWN_TABLE = 60;

  /** ClickHouse's {@code UNKNOWN_DATABASE}. */
  public static final int UNKNOWN_DATABASE = 81;

  private final boolean retriable;
  private final int code;

  public ClickHouseException(String message, boolean retriable, Throwable cause) {
    this(message, retriable, 0, cause);
  }

  /**
   * @param code the server's error code ({@code Code: N} of its answer), 0 when it gave none
   */
  public ClickHouseException(String message, boolean retriable, int code, Throwable cause) {
    super(message, cause);
    this.retriable = retriable;
    this.code = code;
  }

  public boolean retriable() {
    return retriable;
  }

  /**
   * The server's error code, 0 when the server did not answer with one (unreachable, unreadable
   * answer).
   */
  public int code() {
    return code;
  }

  /**
   * Whether the server said the database or the table does not exist: nothing was ever written
   * there (the job's sinks create both on their first write), which a reader may take as "no rows".
   */
  public boolean unknownTableOrDatabase() {
    return code == UNKNOWN_TABLE || code == UNKNOWN_DATABASE;
  }
}
