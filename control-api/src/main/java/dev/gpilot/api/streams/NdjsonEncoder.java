package dev.gpilot.api.streams;

import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import java.nio.charset.StandardCharsets;

/**
 * Mission events as NDJSON for non-browser clients: one {@code MissionEvent} JSON per line, in seq
 * order, from {@code after + 1}; blank lines are heartbeats. A client that falls too far behind, or
 * whose stream this instance stops serving because it shuts down, gets one last line {@code
 * {"type":"stream.error","detail":…,"lastSeq":N}} (resume with {@code ?after=N}).
 */
public final class NdjsonEncoder extends ResumableStreamEncoder {
  public static final String MEDIA_TYPE = "application/x-ndjson";
  private static final byte[] HEARTBEAT = "\n".getBytes(StandardCharsets.UTF_8);

  private final MissionLines lines;
  private final long after;
  private long lastSeq;

  /**
   * @param lines the mission's lines, shared by its NDJSON streams
   * @param after the seq the client has (0: from the first event)
   */
  NdjsonEncoder(MissionLines lines, long after) {
    this.lines = lines;
    this.after = after;
    this.lastSeq = after;
  }

  @Override
  public long feedAfter() {
    return after;
  }

  @Override
  public byte[] head() {
    return new byte[0];
  }

  /** The event's line, as its mission's NDJSON streams share it. */
  @Override
  public void encode(MissionEvent event, Wire out) {
    out.write(lines.of(event));
    lastSeq = event.seq();
  }

  @Override
  public byte[] end() {
    return new byte[0];
  }

  @Override
  public byte[] heartbeat() {
    return HEARTBEAT;
  }

  /** One last line {@code {"type":"stream.error","detail":…,"lastSeq":N}}. */
  @Override
  protected byte[] error(String why) {
    String line =
        Json.mapper()
            .createObjectNode()
            .put("type", "stream.error")
            .put("detail", why + "; resume with ?after=" + lastSeq)
            .put("lastSeq", lastSeq)
            .toString();
    return (line + "\n").getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String contentType() {
    return MEDIA_TYPE;
  }
}
