package dev.gpilot.api.streams;

import dev.gpilot.contracts.events.MissionEvent;

/**
 * Turns one stream's events into bytes on the wire. Not thread-safe: each stream has its own, used
 * by one writer at a time.
 */
public interface StreamEncoder {
  /**
   * Where an encoder puts what an event becomes: slices of arrays that nobody writes to again (the
   * bytes a mission's streams share, made once per event), which a stream may hand to the server as
   * they are, without copying them.
   */
  interface Wire {
    void write(byte[] bytes, int offset, int length);

    default void write(byte[] bytes) {
      write(bytes, 0, bytes.length);
    }
  }

  /**
   * The seq after which the stream must be given events (an encoder may need earlier ones to
   * rebuild its state).
   */
  long feedAfter();

  /**
   * What the stream begins with, before any event (possibly nothing): it goes out with the
   * response's headers, so a client has it even while the mission has no event yet.
   */
  byte[] head();

  /**
   * Appends what {@code event} becomes on the wire (possibly nothing). Events come in seq order
   * without gaps.
   */
  void encode(MissionEvent event, Wire out);

  /** What follows the mission's final event. */
  byte[] end();

  /** Keeps an idle connection open through proxies; clients ignore it. */
  byte[] heartbeat();

  /** The last thing a client that fell too far behind gets, saying where to resume. */
  byte[] tooSlow(long behind);

  /**
   * The last thing a client gets when this API instance stops while the mission goes on, saying
   * where to resume (on any instance).
   */
  byte[] shuttingDown();

  /** The media type of the response. */
  String contentType();
}
