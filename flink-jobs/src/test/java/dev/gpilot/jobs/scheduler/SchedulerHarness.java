package dev.gpilot.jobs.scheduler;

import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.jobs.ingest.SchedulerInput;
import dev.gpilot.jobs.internal.serde.JsonTypeSerializer;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

/**
 * The scheduler in Flink's keyed two-input operator harness, fed as the job feeds it: submitted
 * missions on the first input, everything else on the second. The harness reads whatever it is
 * given; that the runtime stops reading the first input at the bound is {@link
 * MissionScheduler#nextSelection()}'s answer, asserted directly.
 */
final class SchedulerHarness
    extends KeyedTwoInputStreamOperatorTestHarness<
        String, SchedulerInput, SchedulerInput, MissionEvent> {

  SchedulerHarness(MissionScheduler scheduler) throws Exception {
    super(scheduler, SchedulerInput::missionId, SchedulerInput::missionId, Types.STRING);
    // The job's own output type (MissionJob): the harness would otherwise pick a serializer by the
    // first event's class.
    setup(new JsonTypeSerializer<>(MissionEvent.class));
  }

  /**
   * Feeds {@code input} on the input the job would: missions on the first, the rest on the second.
   */
  void processElement(SchedulerInput input, long timestamp) throws Exception {
    if (input instanceof SchedulerInput.Submitted) {
      processElement1(input, timestamp);
    } else {
      processElement2(input, timestamp);
    }
  }

  MissionScheduler scheduler() {
    return (MissionScheduler) getOperator();
  }
}
