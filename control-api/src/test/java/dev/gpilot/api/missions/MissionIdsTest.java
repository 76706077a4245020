package dev.gpilot.api.missions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MissionIdsTest {
  @Test
  void aBatchsIds_areDistinctVersion4Uuids_andMoreThanDrawnAreStillGiven() {
    MissionIds.Batch batch = MissionIds.random(1_000);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 1_001; i++) { // one more than drawn up front
      String id = batch.next();
      UUID uuid = UUID.fromString(id);
      assertThat(uuid.version()).as(id).isEqualTo(4);
      assertThat(uuid.variant()).as(id).isEqualTo(2);
      assertThat(uuid.toString()).isEqualTo(id);
      ids.add(id);
    }
    assertThat(ids).hasSize(1_001);
  }
}
