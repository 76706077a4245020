package dev.gpilot.jobs.rebuild;

import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by missionId, in BATCH mode: keeps a mission's events and, when its key's input ends (the timer at the end
 * of time fires then), emits its summary if it finished with its final event's time in {@code [from, to)}.
 */
final class SummaryFunction extends KeyedProcessFunction<String, MissionEvent, MissionSummary> {
  private static final long serialVersionUID = 1L;
  private final long from;
  private final long to;
  private transient ListState<MissionEvent> events;

  SummaryFunction(long from, long to) {
    this.from = from;
    this.to = to;
  }

  @Override
  public void open(OpenContext openContext) {
    events = getRuntimeContext().getListState(
        new ListStateDescriptor<>("rebuild-mission-events", JsonTypeInfo.of(MissionEvent.class)));
  }

  @Override
  public void processElement(MissionEvent e, Context ctx, Collector<MissionSummary> out) throws Exception {
    if (e.type().equals(dev.gpilot.contracts.events.EventTypes.STEP_DELTA)) {
      return; // model text: no part of a summary
    }
    events.add(e);
    ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<MissionSummary> out) throws Exception {
    List<MissionEvent> all = new ArrayList<>();
    events.get().forEach(all::add);
    events.clear();
    SummaryFold.fold(all).filter(s -> s.finishedAt() >= from && s.finishedAt() < to).ifPresent(out::collect);
  }
}
