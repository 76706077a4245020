package dev.gpilot.jobs.scheduler;

import dev.gpilot.contracts.mission.MissionStatus;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink's serializer contract (copy, serialize, snapshot, duplicate, …) for the header. */
class MissionHeaderSerializerTest extends SerializerTestBase<MissionHeader> {
  @Override
  protected TypeSerializer<MissionHeader> createSerializer() {
    return MissionHeaderSerializer.INSTANCE;
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<MissionHeader> getTypeClass() {
    return MissionHeader.class;
  }

  @Override
  protected MissionHeader[] getTestData() {
    MissionHeader fresh = new MissionHeader();
    fresh.missionId = "m-1";
    fresh.workspaceId = "ws-1";
    fresh.status = MissionStatus.PLANNING;
    MissionHeader ended = fresh.copy();
    ended.missionId = "m-ü-" + "x".repeat(70_000);
    ended.status = MissionStatus.FAILED;
    ended.submittedAt = 1;
    ended.startedAt = 2;
    ended.finishedAt = Long.MAX_VALUE;
    ended.deadlineAt = -1;
    ended.lastSeq = 1_234_567_890_123L;
    ended.reason = "step 'a' failed: 400 — bad";
    ended.unfinishedSteps = 3;
    ended.runningSteps = 2;
    ended.readySteps = 1;
    return new MissionHeader[] {fresh, ended};
  }
}
