package dev.gpilot.contracts.json;

/**
 * A value could not be read as the record it claims to be; the message says what is wrong, without
 * the value.
 */
public class CodecException extends RuntimeException {
  public CodecException(String message) {
    super(message);
  }

  public CodecException(String message, Throwable cause) {
    super(message, cause);
  }
}
