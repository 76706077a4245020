package dev.gpilot.api.streams;

import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import java.nio.charset.StandardCharsets;

/**
 * The UI message stream (AI SDK, v1) as Server-Sent Events: {@code id: <frame id>} and {@code data:
 * <chunk>} per frame, {@code data: [DONE]} at the end.
 *
 * <p>Frame ids: the {@code start} chunk is frame {@code 0}, sent as soon as the stream opens (it
 * needs no event); the chunks that event {@code N} maps to are frames {@code N:1}, {@code N:2},
 * ..., and the last of them is plain {@code N}. So {@code Last-Event-ID: N} resumes after
 * everything of event N ({@code 0}: after {@code start}), and {@code N:k} after its k-th frame: the
 * mapping is a pure function of the events, so the stream is rebuilt from seq 1 and only the frames
 * after that point are written, with no gap and no duplicate. Any {@code Last-Event-ID} names a
 * frame at or after {@code start}, so a resumed stream never repeats it. An event that maps to no
 * chunk has no frame.
 */
public final class SseEncoder extends ResumableStreamEncoder {
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.UTF_8);

  private final MissionFrames frames;
  private final long resumeSeq;
  private final int resumeFrame;
  private String lastId;

  /**
   * @param frames the mission's frames, shared by its streams
   * @param resumeAfter a frame id the client already has ({@code N} or {@code N:k}), or null for
   *     the whole stream
   */
  SseEncoder(MissionFrames frames, FrameId resumeAfter) {
    this.frames = frames;
    this.resumeSeq = resumeAfter == null ? 0 : resumeAfter.seq();
    this.resumeFrame = resumeAfter == null ? Integer.MAX_VALUE : resumeAfter.frame();
    this.lastId = resumeAfter == null ? null : resumeAfter.toString();
  }

  /** A frame id: {@code seq} alone means the event's last frame. */
  public record FrameId(long seq, int frame) {
    /**
     * @throws IllegalArgumentException unless {@code N} or {@code N:k} with N ≥ 0 and k ≥ 1
     */
    public static FrameId parse(String value) {
      String v = value.strip();
      int colon = v.indexOf(':');
      try {
        long seq = Long.parseLong(colon < 0 ? v : v.substring(0, colon));
        int frame = colon < 0 ? Integer.MAX_VALUE : Integer.parseInt(v.substring(colon + 1));
        if (seq < 0 || frame < 1) {
          throw new IllegalArgumentException(value);
        }
        return new FrameId(seq, frame);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(value, e);
      }
    }

    @Override
    public String toString() {
      return frame == Integer.MAX_VALUE ? Long.toString(seq) : seq + ":" + frame;
    }
  }

  @Override
  public long feedAfter() {
    return 0;
  }

  /** The {@code start} frame, unless the client resumes (then it has it). */
  @Override
  public byte[] head() {
    if (lastId != null) {
      return new byte[0];
    }
    lastId = MissionFrames.START_ID;
    return frames.start();
  }

  /**
   * The event's frames as one slice of the array its mission's streams share: all of them, or at
   * the resume position's event those after its frame.
   */
  @Override
  public void encode(MissionEvent event, Wire out) {
    if (event.seq() < resumeSeq) {
      return;
    }
    MissionFrames.EventFrames made = frames.of(event);
    int count = made.count();
    // Frames 1..resumeFrame of the resume position's event are the client's already.
    int from = event.seq() == resumeSeq ? (int) Math.min(resumeFrame, count) : 0;
    if (from == count) {
      return;
    }
    int start = made.start(from);
    out.write(made.wire(), start, made.wire().length - start);
    lastId = made.ids()[count - 1];
  }

  @Override
  public byte[] end() {
    return DONE;
  }

  @Override
  public byte[] heartbeat() {
    return HEARTBEAT;
  }

  /**
   * An {@code error} chunk without an id (so the client's Last-Event-ID stays on the last frame it
   * got) and no {@code [DONE]}: the message is not finished. The AI SDK ends the request with that
   * error ({@code useChat}: status {@code error}), and a resume (with {@code Last-Event-ID}, or the
   * transport's replay) continues it on any instance.
   */
  @Override
  protected byte[] error(String why) {
    String text =
        why
            + "; reconnect with Last-Event-ID: "
            + (lastId == null ? MissionFrames.START_ID : lastId);
    String chunk =
        Json.mapper().createObjectNode().put("type", "error").put("errorText", text).toString();
    return ("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String contentType() {
    return "text/event-stream";
  }
}
