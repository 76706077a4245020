package dev.gpilot.api.streams;

import dev.gpilot.api.missions.MissionView;
import dev.gpilot.contracts.events.MissionEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The SSE frames of one mission's UI message stream, made once for all of its streams: the mapping
 * is a pure function of the events, so every stream would make the same frames, and with many
 * clients per mission mapping once per event instead of once per event and client is what keeps the
 * API's CPU flat. The bytes too are made once: a stream hands the server a slice of an event's
 * array rather than a copy, so a frame costs a stream (nearly) no allocation. Thread-safe.
 */
final class MissionFrames {
  /**
   * The frames one event maps to: {@code ids[k]} is frame k's id, and {@code wire} holds the wire
   * bytes of all of them (id, data, blank line), frame k ending at {@code ends[k]} (exclusive). In
   * one array, so that a stream writes a whole event (or what follows a resume position inside it)
   * as one slice of it, the same array for every stream, never copied. Nobody writes to it once
   * made.
   */
  record EventFrames(String[] ids, byte[] wire, int[] ends) {
    int count() {
      return ids.length;
    }

    /** Where frame {@code k} (0-based) starts in {@link #wire}. */
    int start(int k) {
      return k == 0 ? 0 : ends[k - 1];
    }
  }

  /**
   * The id of the {@code start} frame, which comes before every event's (those are {@code N:k} and
   * {@code N}, N ≥ 1).
   */
  static final String START_ID = "0";

  private final MissionView view;
  private final UiMessageMapper mapper;
  private final byte[] start;
  private final List<EventFrames> bySeq = new ArrayList<>();

  MissionFrames(MissionView view) {
    this.view = view;
    this.mapper = new UiMessageMapper(view.missionId());
    this.start = frame(START_ID, mapper.start());
  }

  /**
   * The {@code start} frame, id {@value #START_ID}: it needs no event, so a stream sends it as soon
   * as it opens.
   */
  byte[] start() {
    return start;
  }

  /**
   * The frames of {@code event} (one of this mission's, in its seq order), mapping earlier events
   * first if needed.
   */
  synchronized EventFrames of(MissionEvent event) {
    while (bySeq.size() < event.seq()) {
      long next = bySeq.size() + 1L;
      MissionEvent e = next == event.seq() ? event : view.eventsAfter(next - 1, 1).get(0);
      bySeq.add(frames(e, mapper.map(e)));
    }
    return bySeq.get((int) event.seq() - 1);
  }

  private static EventFrames frames(MissionEvent event, List<String> chunks) {
    String[] ids = new String[chunks.size()];
    int[] ends = new int[chunks.size()];
    byte[][] frames = new byte[chunks.size()][];
    int size = 0;
    for (int k = 1; k <= chunks.size(); k++) {
      ids[k - 1] = k == chunks.size() ? Long.toString(event.seq()) : event.seq() + ":" + k;
      frames[k - 1] = frame(ids[k - 1], chunks.get(k - 1));
      size += frames[k - 1].length;
      ends[k - 1] = size;
    }
    byte[] wire = new byte[size];
    for (int k = 0; k < frames.length; k++) {
      System.arraycopy(frames[k], 0, wire, k == 0 ? 0 : ends[k - 1], frames[k].length);
    }
    return new EventFrames(ids, wire, ends);
  }

  private static byte[] frame(String id, String chunk) {
    return ("id: " + id + "\ndata: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8);
  }
}
