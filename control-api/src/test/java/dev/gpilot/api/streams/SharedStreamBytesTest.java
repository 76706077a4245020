package dev.gpilot.api.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.api.missions.MissionStore;
import dev.gpilot.api.missions.MissionView;
import dev.gpilot.api.streams.SseEncoder.FrameId;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.testing.TestEvents;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bytes a mission's streams share (each event encoded once per format, handed to every stream
 * as a slice of the same array): every stream, whatever its format, position and timing, gets
 * exactly what the former per-stream path wrote — a mapper and an encoding of its own per stream,
 * rebuilt here as the reference.
 */
class SharedStreamBytesTest {
  private static final String M = "m-shared";
  private static final Executor CALLER = Runnable::run;
  private static final JsonCodec<MissionEvent> CODEC = JsonCodec.of(MissionEvent.class);

  private final MissionStore store = new MissionStore(10);
  private final StreamRegistry registry = new StreamRegistry(1, Duration.ofMinutes(10));
  private long seq;

  @AfterEach
  void close() {
    registry.close();
  }

  private TestEvents.Builder event(String type) {
    return TestEvents.of(type, M, "ws-a", ++seq, 1_000 + seq);
  }

  /**
   * Two parallel steps with text (one streams live, the other waits for its group), a retry, a
   * delta for an attempt that is not running (no chunk, no frame), then the end.
   */
  private List<MissionEvent> mission() {
    List<MissionEvent> events = new ArrayList<>();
    events.add(event("mission.accepted").status("PLANNING").build());
    events.add(
        event("plan.ready")
            .plan(
                new Plan(
                    List.of(
                        new PlanStep("a", "agent-a", "x", null, List.of(), null, null, null),
                        new PlanStep("b", "agent-b", "x", null, List.of(), null, null, null))))
            .build());
    events.add(event("step.started").step("a", "agent-a", 1).status("RUNNING").build());
    events.add(event("step.started").step("b", "agent-b", 1).status("RUNNING").build());
    events.add(event("step.delta").step("a", "agent-a", 1).text("Hel").build());
    events.add(event("step.delta").step("b", "agent-b", 1).text("B1 ").build());
    events.add(event("step.delta").step("a", "agent-a", 2).text("stale").build());
    events.add(event("step.delta").step("a", "agent-a", 1).text("lo ✓").build());
    events.add(
        event("step.retrying")
            .step("b", "agent-b", 1)
            .status("RETRYING")
            .reason("429")
            .cost("gemini-2.5-flash", new Usage(10, 2, 0, 0), 7)
            .build());
    events.add(
        event("step.completed")
            .step("a", "agent-a", 1)
            .status("SUCCEEDED")
            .durationMs(3)
            .output(Json.mapper().createObjectNode().put("text", "Hello ✓"))
            .cost("gemini-2.5-flash", new Usage(100, 20, 0, 0), 42)
            .build());
    events.add(event("step.started").step("b", "agent-b", 2).status("RUNNING").build());
    events.add(event("step.delta").step("b", "agent-b", 2).text("B2").build());
    events.add(
        event("step.completed")
            .step("b", "agent-b", 2)
            .status("SUCCEEDED")
            .durationMs(4)
            .cost("gemini-2.5-flash", new Usage(50, 10, 0, 0), 21)
            .build());
    events.add(event("mission.completed").status("COMPLETED").durationMs(9).build());
    return events;
  }

  /** The former per-stream UI message stream: a mapper per stream, each frame encoded for it. */
  private static String formerSse(List<MissionEvent> events, FrameId resume) {
    UiMessageMapper mapper = new UiMessageMapper(M);
    StringBuilder out = new StringBuilder();
    long resumeSeq = resume == null ? 0 : resume.seq();
    int resumeFrame = resume == null ? Integer.MAX_VALUE : resume.frame();
    if (resume == null) {
      out.append("id: 0\ndata: ").append(mapper.start()).append("\n\n");
    }
    for (MissionEvent e : events) {
      List<String> chunks = mapper.map(e); // from seq 1, whatever the position
      if (e.seq() >= resumeSeq) {
        for (int k = 1; k <= chunks.size(); k++) {
          if (e.seq() == resumeSeq && k <= resumeFrame) {
            continue;
          }
          String id = k == chunks.size() ? Long.toString(e.seq()) : e.seq() + ":" + k;
          out.append("id: ").append(id).append("\ndata: ").append(chunks.get(k - 1));
          out.append("\n\n");
        }
      }
      if (e.isFinal()) {
        out.append("data: [DONE]\n\n");
        break;
      }
    }
    return out.toString();
  }

  /** The former per-stream NDJSON stream: each event encoded for it. */
  private static String formerNdjson(List<MissionEvent> events, long after) {
    StringBuilder out = new StringBuilder();
    for (MissionEvent e : events) {
      if (e.seq() > after) {
        out.append(new String(CODEC.encode(e), StandardCharsets.UTF_8)).append('\n');
      }
    }
    return out.toString();
  }

  /** A client's stream, as StreamHandler starts it: its head first, then the stream. */
  private record Client(String name, FakeOutput out, EventStream stream, String expected) {}

  private Client sse(String name, FrameId resume, List<MissionEvent> events) {
    MissionView view = store.find(M).orElseThrow();
    SseEncoder encoder = new SseEncoder(registry.framesOf(view), resume);
    return client(name, view, encoder, formerSse(events, resume));
  }

  private Client ndjson(String name, long after, List<MissionEvent> events) {
    MissionView view = store.find(M).orElseThrow();
    NdjsonEncoder encoder = new NdjsonEncoder(registry.linesOf(view), after);
    return client(name, view, encoder, formerNdjson(events, after));
  }

  private static Client client(
      String name, MissionView view, StreamEncoder encoder, String expected) {
    FakeOutput out = new FakeOutput();
    byte[] head = encoder.head();
    out.write(head, 0, head.length);
    EventStream stream = new EventStream(view, encoder, out, CALLER, 10_000);
    stream.start();
    stream.onWritePossible();
    return new Client(name, out, stream, expected);
  }

  /** Every frame id of the whole UI message stream, in order. */
  private static List<FrameId> frameIds(List<MissionEvent> events) {
    List<FrameId> ids = new ArrayList<>();
    for (String frame : formerSse(events, null).split("\n\n")) {
      if (frame.startsWith("id: ")) {
        ids.add(FrameId.parse(frame.substring(4, frame.indexOf('\n'))));
      }
    }
    return ids;
  }

  @Test
  void everyStream_atAnyPosition_inEitherFormat_live_stalledOrReplayed_getsWhatItGotBefore() {
    List<MissionEvent> events = mission();
    List<FrameId> ids = frameIds(events);
    assertThat(ids)
        .as("events with several frames, so resumes inside an event")
        .hasSizeGreaterThan(events.size());
    int half = events.size() / 2;
    events.subList(0, 2).forEach(store::onEvent);

    List<Client> clients = new ArrayList<>();
    // Live from early on: the whole stream, and from every frame and seq (some still to come).
    clients.add(sse("sse whole, live", null, events));
    for (FrameId id : ids) {
      clients.add(sse("sse after " + id + ", live", id, events));
    }
    for (long after = 0; after <= events.size(); after++) {
      clients.add(ndjson("ndjson after " + after + ", live", after, events));
    }
    // Stalled while events come: they catch up in one batch of several events.
    Client stalledSse = sse("sse whole, stalled", null, events);
    Client stalledNdjson = ndjson("ndjson after 1, stalled", 1, events);
    stalledSse.out().ready = false;
    stalledNdjson.out().ready = false;
    clients.add(stalledSse);
    clients.add(stalledNdjson);

    events.subList(2, half).forEach(store::onEvent);
    stalledSse.out().ready = true;
    stalledNdjson.out().ready = true;
    stalledSse.stream().onWritePossible();
    stalledNdjson.stream().onWritePossible();
    // Joining midway: a replay of what there is, then live.
    clients.add(sse("sse whole, joined midway", null, events));
    clients.add(sse("sse after 3:1, joined midway", FrameId.parse("3:1"), events));
    clients.add(ndjson("ndjson after 2, joined midway", 2, events));
    events.subList(half, events.size()).forEach(store::onEvent);
    // After the end: replays only.
    clients.add(sse("sse whole, replayed", null, events));
    clients.add(sse("sse after " + ids.get(3) + ", replayed", ids.get(3), events));
    clients.add(ndjson("ndjson after 5, replayed", 5, events));

    Map<String, String> got = new LinkedHashMap<>();
    Map<String, String> expected = new LinkedHashMap<>();
    for (Client c : clients) {
      assertThat(c.stream().isDone()).as(c.name() + " ended").isTrue();
      got.put(c.name(), c.out().text());
      expected.put(c.name(), c.expected());
    }
    assertThat(got).containsExactlyEntriesOf(expected);
  }

  /** Records the arrays a stream hands the server. */
  private static final class Recording extends FakeOutput {
    final List<byte[]> arrays = new ArrayList<>();

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      arrays.add(b);
      super.write(b, off, len);
    }
  }

  @Test
  void aLiveEvent_isEncodedOncePerFormat_andEveryStreamOfTheFormatWritesTheSameArray() {
    List<MissionEvent> events = mission();
    events.subList(0, 4).forEach(store::onEvent);
    MissionView view = store.find(M).orElseThrow();
    List<Recording> sse = new ArrayList<>();
    List<Recording> ndjson = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sse.add(open(view, new SseEncoder(registry.framesOf(view), null)));
      ndjson.add(open(view, new NdjsonEncoder(registry.linesOf(view), i)));
    }

    store.onEvent(events.get(4)); // a delta: text-start, text-delta (two frames)

    assertThat(sse.get(0).text()).endsWith("\"delta\":\"Hel\"}\n\n");
    assertThat(ndjson.get(0).text()).contains("\"seq\":5,").endsWith("}\n");
    for (List<Recording> format : List.of(sse, ndjson)) {
      byte[] shared = last(format.get(0));
      for (Recording out : format) {
        assertThat(last(out)).as("one array for all streams of the format").isSameAs(shared);
      }
    }
    assertThat(last(sse.get(0))).isNotSameAs(last(ndjson.get(0)));
  }

  private static Recording open(MissionView view, StreamEncoder encoder) {
    Recording out = new Recording();
    EventStream stream = new EventStream(view, encoder, out, CALLER, 10_000);
    stream.start();
    stream.onWritePossible();
    return out;
  }

  private static byte[] last(Recording out) {
    return out.arrays.get(out.arrays.size() - 1);
  }
}
