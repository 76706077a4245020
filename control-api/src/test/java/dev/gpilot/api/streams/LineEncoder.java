package dev.gpilot.api.streams;

import dev.gpilot.contracts.events.MissionEvent;
import java.nio.charset.StandardCharsets;

/**
 * One line per event, {@code seq:type}; the stream's other messages as words, so a test reads the
 * wire at a glance.
 */
final class LineEncoder implements StreamEncoder {
  private final long after;

  LineEncoder(long after) {
    this.after = after;
  }

  @Override
  public long feedAfter() {
    return after;
  }

  @Override
  public byte[] head() {
    return new byte[0];
  }

  @Override
  public void encode(MissionEvent event, Wire out) {
    out.write((event.seq() + ":" + event.type() + "\n").getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public byte[] end() {
    return bytes("END\n");
  }

  @Override
  public byte[] heartbeat() {
    return bytes(":\n");
  }

  @Override
  public byte[] tooSlow(long behind) {
    return bytes("SLOW " + behind + "\n");
  }

  @Override
  public byte[] shuttingDown() {
    return bytes("BYE\n");
  }

  @Override
  public String contentType() {
    return "text/plain";
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
