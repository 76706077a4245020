package dev.gpilot.jobs.scheduler;

import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.Execution;
import dev.gpilot.contracts.mission.FailurePolicy;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import java.util.List;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink's serializer contract (copy, serialize, snapshot, duplicate, …) for a mission's definition.
 */
class MissionDefinitionSerializerTest extends SerializerTestBase<MissionDefinition> {
  @Override
  protected TypeSerializer<MissionDefinition> createSerializer() {
    return MissionDefinitionSerializer.INSTANCE;
  }

  @Override
  protected boolean allowNullInstances(TypeSerializer<MissionDefinition> serializer) {
    return true;
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<MissionDefinition> getTypeClass() {
    return MissionDefinition.class;
  }

  @Override
  protected MissionDefinition[] getTestData() {
    Plan plan =
        new Plan(
            List.of(
                new PlanStep(
                    "a",
                    "agent-scout",
                    "find",
                    Json.mapper().createObjectNode().put("depth", 2),
                    List.of(),
                    null,
                    30,
                    2),
                new PlanStep(
                    "b",
                    "seo-analyst",
                    "rank",
                    null,
                    List.of("a"),
                    "steps.a.output.n > 1",
                    null,
                    null)));
    MissionConfig config =
        new MissionConfig(
            List.of("agent-scout"),
            plan,
            Execution.SEQUENTIAL,
            Json.mapper().createObjectNode().put("region", "eu"),
            60,
            FailurePolicy.CONTINUE,
            null);
    PlanStep planning =
        new PlanStep("_plan", "mission-overseer", "launch", null, List.of(), null, null, null);
    return new MissionDefinition[] {
      new MissionDefinition("launch", MissionConfig.DEFAULT, null, List.of(), null),
      new MissionDefinition("launch", MissionConfig.DEFAULT, null, List.of("_plan"), planning),
      new MissionDefinition("launch it", config, plan, List.of("a", "b"), null)
    };
  }
}
