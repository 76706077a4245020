package dev.gpilot.jobs.agents;

/** A step attempt failed; {@link #retriable()} says whether another attempt may succeed. */
public class AgentException extends RuntimeException {
  private final boolean retriable;

  public AgentException(String message, boolean retriable) {
    super(message);
    this.retriable = retriable;
  }

  public boolean retriable() {
    return retriable;
  }
}
