package dev.gpilot.jobs.agents;

import java.time.Duration;

/**
 * A step attempt failed; {@link #retriable()} says whether calling again may succeed (rate limits,
 * server errors, timeouts), {@link #retryAfter()} how long the provider asked to wait before that
 * (or null), {@link #charge()} what the failed attempt already used and cost (a blocked or
 * malformed answer is billed), or null.
 *
 * <p>The message is shown to users as the step's error: it must never contain a credential.
 */
public class AgentException extends RuntimeException {
  private final boolean retriable;
  private final transient ModelCharge charge;
  private final Duration retryAfter;

  public AgentException(String message, boolean retriable) {
    this(message, retriable, null, null);
  }

  public AgentException(String message, boolean retriable, ModelCharge charge, Throwable cause) {
    this(message, retriable, charge, cause, null);
  }

  /**
   * @param retryAfter how long the provider asked to wait before calling again (Retry-After); only
   *     for a retriable failure, else ignored; may be null
   */
  public AgentException(
      String message, boolean retriable, ModelCharge charge, Throwable cause, Duration retryAfter) {
    super(message, cause);
    this.retriable = retriable;
    this.charge = charge;
    this.retryAfter = retriable ? retryAfter : null;
  }

  public boolean retriable() {
    return retriable;
  }

  /**
   * How long the provider asked to wait before the next call (its Retry-After), or null when it did
   * not say.
   */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** What the failed attempt used and cost, or null when it used nothing that is billed. */
  public ModelCharge charge() {
    return charge;
  }
}
