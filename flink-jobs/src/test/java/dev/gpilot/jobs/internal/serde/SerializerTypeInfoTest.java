package dev.gpilot.jobs.internal.serde;

import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.costs.CostRecordSerializer;
import dev.gpilot.jobs.costs.TaggedCostSerializer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeInformationTestBase;

/**
 * Flink's contract for type information (equality, hashing, serializability) of the job's own
 * serializers.
 */
class SerializerTypeInfoTest extends TypeInformationTestBase<TypeInformation<?>> {
  @Override
  protected TypeInformation<?>[] getTestData() {
    return new TypeInformation<?>[] {
      JsonTypeInfo.of(StepResult.class),
      JsonTypeInfo.of(dev.gpilot.contracts.mission.MissionSummary.class),
      CostRecordSerializer.TYPE,
      TaggedCostSerializer.TYPE
    };
  }
}
