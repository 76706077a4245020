package dev.gpilot.contracts.clickhouse;

/**
 * A ClickHouse request failed. {@link #retriable()} is true when the server was unreachable or answered 5xx
 * (a later attempt may succeed), false when it rejected the request itself (bad SQL, bad data).
 */
public class ClickHouseException extends RuntimeException {
  private final boolean retriable;

  public ClickHouseException(String message, boolean retriable, Throwable cause) {
    super(message, cause);
    this.retriable = retriable;
  }

  public boolean retriable() {
    return retriable;
  }
}
