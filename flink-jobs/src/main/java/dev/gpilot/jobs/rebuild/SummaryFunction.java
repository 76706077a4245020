package dev.gpilot.jobs.rebuild;

import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.StepTextDelta;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by missionId, in BATCH mode: keeps a mission's events and the first record of its
 * submission and, when its key's input ends (the timer at the end of time fires then), emits the
 * summary the scheduler wrote last ({@link SummaryFold}) if it is in {@code [from, to)}: a finished
 * mission by its end, one that has not finished by the start of its run (its plan's adoption, when
 * that summary was written).
 */
final class SummaryFunction
    extends KeyedCoProcessFunction<
        String, MissionEvent, SubmissionTimes.Submitted, MissionSummary> {
  private static final long serialVersionUID = 1L;
  private final long from;
  private final long to;
  private transient ListState<MissionEvent> events;
  private transient ValueState<SubmissionTimes.Submitted> submitted;

  SummaryFunction(long from, long to) {
    this.from = from;
    this.to = to;
  }

  @Override
  public void open(OpenContext openContext) {
    events =
        getRuntimeContext()
            .getListState(
                new ListStateDescriptor<>(
                    "rebuild-mission-events", JsonTypeInfo.of(MissionEvent.class)));
    submitted =
        getRuntimeContext()
            .getState(
                new ValueStateDescriptor<>(
                    "rebuild-mission-submitted", JsonTypeInfo.of(SubmissionTimes.Submitted.class)));
  }

  @Override
  public void processElement1(MissionEvent e, Context ctx, Collector<MissionSummary> out)
      throws Exception {
    if (e instanceof StepTextDelta) {
      return; // model text: no part of a summary
    }
    events.add(e);
    ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
  }

  @Override
  public void processElement2(
      SubmissionTimes.Submitted s, Context ctx, Collector<MissionSummary> out) throws Exception {
    submitted.update(s.first(submitted.value()));
    ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<MissionSummary> out)
      throws Exception {
    List<MissionEvent> all = new ArrayList<>();
    events.get().forEach(all::add);
    SubmissionTimes.Submitted s = submitted.value();
    events.clear();
    submitted.clear();
    SummaryFold.fold(all, s == null ? null : s.ts()).filter(this::inRange).ifPresent(out::collect);
  }

  /**
   * A finished mission by when it ended, one that has not by when it started (what its live row
   * shows).
   */
  private boolean inRange(MissionSummary s) {
    long at = s.finishedAt() > 0 ? s.finishedAt() : s.startedAt();
    return at >= from && at < to;
  }
}
