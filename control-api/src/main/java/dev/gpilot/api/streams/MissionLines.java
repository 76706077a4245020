package dev.gpilot.api.streams;

import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.JsonCodec;
import java.util.Arrays;

/**
 * The NDJSON lines of one mission's events ({@code MissionEvent} JSON and a newline), encoded once
 * for all of its NDJSON streams on this instance: a line is the same for every stream, so encoding
 * it per stream would only make garbage. An event is encoded when a stream first needs it (a stream
 * that starts after event N never needs the earlier ones). Nobody writes to a line once made.
 * Thread-safe.
 */
final class MissionLines {
  private static final JsonCodec<MissionEvent> CODEC = JsonCodec.of(MissionEvent.class);

  // Index seq - 1; null where no stream has needed the event yet.
  private byte[][] bySeq = new byte[16][];

  /** The line of {@code event}, one of this mission's (seq ≥ 1). */
  synchronized byte[] of(MissionEvent event) {
    int i = Math.toIntExact(event.seq() - 1);
    if (i >= bySeq.length) {
      bySeq = Arrays.copyOf(bySeq, Math.max(i + 1, 2 * bySeq.length));
    }
    byte[] line = bySeq[i];
    if (line == null) {
      line = line(event);
      bySeq[i] = line;
    }
    return line;
  }

  /** What an event is on an NDJSON stream: its JSON and a newline. */
  private static byte[] line(MissionEvent event) {
    byte[] json = CODEC.encode(event);
    byte[] line = Arrays.copyOf(json, json.length + 1);
    line[json.length] = '\n';
    return line;
  }
}
