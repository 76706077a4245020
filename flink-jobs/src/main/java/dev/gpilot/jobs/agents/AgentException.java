package dev.gpilot.jobs.agents;

/**
 * A step attempt failed; {@link #retriable()} says whether calling again may succeed (rate limits, server errors,
 * timeouts), {@link #charge()} what the failed attempt already used and cost (a blocked or malformed answer is
 * billed), or null.
 *
 * <p>The message is shown to users as the step's error: it must never contain a credential.
 */
public class AgentException extends RuntimeException {
  private final boolean retriable;
  private final transient ModelCharge charge;

  public AgentException(String message, boolean retriable) {
    this(message, retriable, null, null);
  }

  public AgentException(String message, boolean retriable, ModelCharge charge, Throwable cause) {
    super(message, cause);
    this.retriable = retriable;
    this.charge = charge;
  }

  public boolean retriable() {
    return retriable;
  }

  /** What the failed attempt used and cost, or null when it used nothing that is billed. */
  public ModelCharge charge() {
    return charge;
  }
}
