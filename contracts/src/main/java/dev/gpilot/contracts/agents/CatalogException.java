package dev.gpilot.contracts.agents;

/**
 * An agent catalog or price table that cannot be used: the message names the file and what is
 * wrong.
 */
public class CatalogException extends IllegalArgumentException {
  public CatalogException(String message) {
    super(message);
  }

  public CatalogException(String message, Throwable cause) {
    super(message, cause);
  }
}
