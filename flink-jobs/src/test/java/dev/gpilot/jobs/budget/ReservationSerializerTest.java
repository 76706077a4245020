package dev.gpilot.jobs.budget;

import java.util.List;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink's serializer contract for an attempt's reservation. */
class ReservationSerializerTest extends SerializerTestBase<Reservation> {
  @Override
  protected TypeSerializer<Reservation> createSerializer() {
    return new BudgetStateSerializers.Reserved();
  }

  @Override
  protected boolean allowNullInstances(TypeSerializer<Reservation> serializer) {
    return true; // no reservation is the absence of a state value
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<Reservation> getTypeClass() {
    return Reservation.class;
  }

  @Override
  protected Reservation[] getTestData() {
    return new Reservation[] {
      new Reservation(0, List.of(), 0),
      new Reservation(1_234_567, List.of("monthly", "_wallet", "ü-budget"), Long.MAX_VALUE),
      new Reservation(Long.MAX_VALUE, List.of("x".repeat(70_000)), -1)
    };
  }
}
