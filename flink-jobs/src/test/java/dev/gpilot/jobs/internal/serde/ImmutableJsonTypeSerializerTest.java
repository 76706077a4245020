package dev.gpilot.jobs.internal.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.step.StepResult;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The serializer of {@link JsonTypeInfo#immutable}: Flink's whole serializer contract as for {@link
 * JsonTypeInfo#of} (inherited tests), copies that are the record itself, the same bytes, and state
 * that restores across the two either way.
 */
class ImmutableJsonTypeSerializerTest extends JsonTypeSerializerTest {
  @Override
  protected TypeSerializer<StepResult> createSerializer() {
    return new JsonTypeSerializer<>(StepResult.class, true);
  }

  @Test
  void copiesAreTheRecordItself_andTheBytesThoseOfTheDeepCopyingSerializer() throws Exception {
    JsonTypeSerializer<StepResult> shared = new JsonTypeSerializer<>(StepResult.class, true);
    JsonTypeSerializer<StepResult> deep = new JsonTypeSerializer<>(StepResult.class);
    for (StepResult result : getTestData()) {
      assertThat(shared.copy(result)).isSameAs(result);
      assertThat(deep.copy(result)).isNotSameAs(result).isEqualTo(result);
      assertThat(bytes(shared, result)).isEqualTo(bytes(deep, result));
    }
    assertThat(shared.isImmutableType()).isTrue();
    assertThat(deep.isImmutableType()).isFalse();
    assertThat(shared).isNotEqualTo(deep);
    assertThat(shared.duplicate()).isEqualTo(shared);
  }

  @Test
  void stateOfEitherRestoresWithTheOther() {
    TypeSerializerSnapshot<StepResult> shared =
        new JsonTypeSerializer<>(StepResult.class, true).snapshotConfiguration();
    TypeSerializerSnapshot<StepResult> deep =
        new JsonTypeSerializer<>(StepResult.class).snapshotConfiguration();
    TypeSerializerSchemaCompatibility<StepResult> sharedAfterDeep =
        shared.resolveSchemaCompatibility(deep);
    TypeSerializerSchemaCompatibility<StepResult> deepAfterShared =
        deep.resolveSchemaCompatibility(shared);
    assertThat(sharedAfterDeep.isCompatibleAsIs()).isTrue();
    assertThat(deepAfterShared.isCompatibleAsIs()).isTrue();
  }

  private static byte[] bytes(TypeSerializer<StepResult> serializer, StepResult result)
      throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(256);
    serializer.serialize(result, out);
    return out.getCopyOfBuffer();
  }
}
