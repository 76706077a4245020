package dev.gpilot.jobs.scheduler;

import dev.gpilot.contracts.cost.Usage;
import dev.gpilot.contracts.mission.StepStatus;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink's serializer contract (copy, serialize, snapshot, duplicate, …) for a step's state. */
class StepStateSerializerTest extends SerializerTestBase<StepState> {
  @Override
  protected TypeSerializer<StepState> createSerializer() {
    return StepStateSerializer.INSTANCE;
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<StepState> getTypeClass() {
    return StepState.class;
  }

  @Override
  protected StepState[] getTestData() {
    StepState pending = new StepState("s1", "agent-scout", 3, 60_000);
    StepState done = new StepState("publish", "content-orchestrator", 10, 3_600_000);
    done.status = StepStatus.FAILED;
    done.attempt = 10;
    done.startedAt = 5;
    done.finishedAt = 6;
    done.timeoutAt = 7;
    done.retryAt = 8;
    done.reason = "condition 'x' could not be evaluated: ∅";
    done.usage = new Usage(10, 2, 3, 4);
    done.costMicros = Long.MAX_VALUE;
    return new StepState[] {pending, done};
  }
}
