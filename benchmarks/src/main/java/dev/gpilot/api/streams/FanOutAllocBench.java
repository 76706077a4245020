package dev.gpilot.api.streams;

import dev.gpilot.api.missions.MissionStore;
import dev.gpilot.api.missions.MissionView;
import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.testing.TestEvents;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;

/**
 * The API's stream fan-out alone, in one thread: what delivering one event to one more stream
 * costs, in CPU time and bytes allocated. Each round is one mission of the {@code bench streams}
 * shape (accepted, plan, 5 steps of 20 token deltas, completed) with {@code streams} streams open
 * on it from its plan on (UI message streams, NDJSON streams, or half of each); the writers run on
 * the calling thread and every connection takes everything at once and keeps nothing (a null sink),
 * so what is counted is the registry's and the streams' own work, not Jetty's.
 *
 * <pre>
 * java -cp … dev.gpilot.api.streams.FanOutAllocBench [streams] [rounds] [sse|ndjson|both]
 * </pre>
 *
 * Prints, per measured round, ns and bytes allocated per delivery (one event to one stream) and per
 * frame (a chunk on the wire: an SSE frame, an NDJSON line), net of the same events appended with
 * no stream open.
 */
public final class FanOutAllocBench {
  private static final Executor CALLER = Runnable::run;
  private static final int STEPS = 5;
  private static final int DELTAS_PER_STEP = 20;

  private FanOutAllocBench() {}

  /** A connection that always takes everything and keeps nothing; it counts what it took. */
  static final class NullSink extends ServletOutputStream {
    long bytes;
    long frames;
    long writes;
    private int last = -1;
    private final boolean sse;

    NullSink(boolean sse) {
      this.sse = sse;
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setWriteListener(WriteListener writeListener) {}

    @Override
    public void write(int b) {
      count(b);
      bytes++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      writes++;
      bytes += len;
      for (int i = off; i < off + len; i++) {
        count(b[i]);
      }
    }

    private void count(int b) {
      // An SSE frame ends with a blank line, an NDJSON line with its newline.
      if (b == '\n' && (!sse || last == '\n')) {
        frames++;
      }
      last = b;
    }
  }

  public static void main(String[] args) {
    int streams = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    String mode = args.length > 2 ? args[2] : "both";
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    MissionStore store = new MissionStore(10_000);
    StreamRegistry registry = new StreamRegistry(1, java.time.Duration.ofMinutes(10));
    System.out.printf(
        Locale.ROOT,
        "fan-out, one thread, null sinks: %d streams (%s) per mission, %d rounds%n",
        streams,
        mode,
        rounds);
    double sumNs = 0;
    double sumBytes = 0;
    double sumFrameNs = 0;
    double sumFrameBytes = 0;
    int measured = 0;
    for (int r = 0; r < rounds; r++) {
      // The same events twice: once with no stream (what the store costs), once with the streams.
      long[] bare = run(store, registry, threads, "bare-" + r, 0, mode, null);
      List<NullSink> sinks = new ArrayList<>();
      long[] fed = run(store, registry, threads, "fed-" + r, streams, mode, sinks);
      long events = fed[2];
      long deliveries = events * streams;
      long frames = sinks.stream().mapToLong(s -> s.frames).sum();
      double ns = (double) (fed[0] - bare[0]) / deliveries;
      double bytes = (double) (fed[1] - bare[1]) / deliveries;
      double frameNs = (double) (fed[0] - bare[0]) / frames;
      double frameBytes = (double) (fed[1] - bare[1]) / frames;
      boolean warm = r >= rounds / 3;
      if (warm) {
        sumNs += ns;
        sumBytes += bytes;
        sumFrameNs += frameNs;
        sumFrameBytes += frameBytes;
        measured++;
      }
      System.out.printf(
          Locale.ROOT,
          "round %2d%s: %d events x %d streams, %d frames, %d writes, %d bytes on the wire:"
              + " %.0f ns and %.0f B allocated per delivery, %.0f ns and %.0f B per frame%n",
          r,
          warm ? "" : " (warm-up)",
          events,
          streams,
          frames,
          sinks.stream().mapToLong(s -> s.writes).sum(),
          sinks.stream().mapToLong(s -> s.bytes).sum(),
          ns,
          bytes,
          frameNs,
          frameBytes);
    }
    System.out.printf(
        Locale.ROOT,
        "mean of the last %d rounds: %.0f ns and %.0f B allocated per delivery;"
            + " %.0f ns and %.0f B per frame%n",
        measured,
        sumNs / measured,
        sumBytes / measured,
        sumFrameNs / measured,
        sumFrameBytes / measured);
    registry.close();
  }

  /**
   * One mission: its first two events, then {@code streams} streams opened on it, then its live
   * events, timed.
   *
   * @return CPU ns and bytes allocated by this thread for the live events, and their number
   */
  private static long[] run(
      MissionStore store,
      StreamRegistry registry,
      com.sun.management.ThreadMXBean threads,
      String missionId,
      int streams,
      String mode,
      List<NullSink> sinks) {
    List<MissionEvent> events = events(missionId);
    store.onEvent(events.get(0));
    store.onEvent(events.get(1));
    MissionView view = store.find(missionId).orElseThrow();
    for (int i = 0; i < streams; i++) {
      boolean sse = mode.equals("sse") || (mode.equals("both") && i % 2 == 0);
      NullSink sink = new NullSink(sse);
      StreamEncoder encoder =
          sse
              ? new SseEncoder(registry.framesOf(view), null)
              : new NdjsonEncoder(registry.linesOf(view), 0);
      sink.write(encoder.head(), 0, encoder.head().length);
      EventStream stream = new EventStream(view, encoder, sink, CALLER, Long.MAX_VALUE);
      stream.start();
      stream.onWritePossible();
      sinks.add(sink);
    }
    long tid = Thread.currentThread().getId();
    long cpu0 = threads.getThreadCpuTime(tid);
    long alloc0 = threads.getThreadAllocatedBytes(tid);
    for (int i = 2; i < events.size(); i++) {
      store.onEvent(events.get(i));
    }
    long cpu = threads.getThreadCpuTime(tid) - cpu0;
    long alloc = threads.getThreadAllocatedBytes(tid) - alloc0;
    return new long[] {cpu, alloc, events.size() - 2};
  }

  /** A mission of the {@code bench streams} shape, built before anything is measured. */
  private static List<MissionEvent> events(String id) {
    List<PlanStep> plan = StreamBench.chainPlan(STEPS);
    List<MissionEvent> events = new ArrayList<>();
    long ts = 1_700_000_000_000L;
    long seq = 0;
    events.add(
        TestEvents.of("mission.accepted", id, "default", ++seq, ts)
            .status("PLANNING")
            .mission("bench", MissionConfig.DEFAULT)
            .build());
    events.add(TestEvents.of("plan.ready", id, "default", ++seq, ts).plan(new Plan(plan)).build());
    for (int s = 1; s <= STEPS; s++) {
      String step = "s" + s;
      String agent = "agent-" + s;
      events.add(
          TestEvents.of("step.started", id, "default", ++seq, ++ts)
              .step(step, agent, 1)
              .status("RUNNING")
              .build());
      for (int d = 0; d < DELTAS_PER_STEP; d++) {
        events.add(
            TestEvents.of("step.delta", id, "default", ++seq, ++ts)
                .step(step, agent, 1)
                .text("@" + ts + " ")
                .build());
      }
      events.add(
          TestEvents.of("step.completed", id, "default", ++seq, ++ts)
              .step(step, agent, 1)
              .status("SUCCEEDED")
              .durationMs(10)
              .output(Json.mapper().createObjectNode().put("text", "ok"))
              .cost("gemini-2.5-flash", new Usage(100, 20, 0, 0), 42)
              .build());
    }
    events.add(
        TestEvents.of("mission.completed", id, "default", ++seq, ++ts)
            .status("COMPLETED")
            .durationMs(1000)
            .build());
    return events;
  }
}
