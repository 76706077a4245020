package dev.gpilot.api.streams;

/**
 * A {@link StreamEncoder} that ends a stream early (the client fell too far behind, the instance
 * shuts down) with one error chunk in its own format ({@link #error}), saying why and where to
 * resume. The reasons are the stream's, the same in every format.
 */
abstract class ResumableStreamEncoder implements StreamEncoder {
  @Override
  public final byte[] tooSlow(long behind) {
    return error("stream too slow: " + behind + " events behind, disconnected");
  }

  @Override
  public final byte[] shuttingDown() {
    return error("stream interrupted: this API instance is shutting down");
  }

  /**
   * The chunk that ends the stream: {@code why}, and how to resume from what the client has
   * received.
   */
  protected abstract byte[] error(String why);
}
