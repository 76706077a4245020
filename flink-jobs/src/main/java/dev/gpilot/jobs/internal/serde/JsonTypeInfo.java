package dev.gpilot.jobs.internal.serde;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Flink type information for a record that travels as its JSON contract.
 *
 * <p>Why JSON and not Flink's POJO serializer: the events carry free JSON (step outputs,
 * parameters) that the POJO serializer could only hand to Kryo, and the JSON form is the one
 * already versioned in SPEC.md, so state and network records evolve the same way the topics do (new
 * fields are ignored by old readers).
 */
public final class JsonTypeInfo {
  private JsonTypeInfo() {}

  /**
   * @param type a type {@link dev.gpilot.contracts.json.Json} can read and write
   */
  public static <T> TypeInformation<T> of(Class<T> type) {
    return new SerializerTypeInfo<>(
        type, new JsonTypeSerializer<>(type), "Json<" + type.getSimpleName() + ">");
  }

  /**
   * Like {@link #of}, for a record that nothing changes once it is made (the job's operators never
   * mutate what they emit: MissionJobFlinkOptions turns object reuse on for that reason): Flink's
   * copies of it are the record itself. Same bytes, same serializer snapshot, so state written with
   * either restores with the other.
   */
  public static <T> TypeInformation<T> immutable(Class<T> type) {
    return new SerializerTypeInfo<>(
        type, new JsonTypeSerializer<>(type, true), "Json<" + type.getSimpleName() + ">");
  }
}
