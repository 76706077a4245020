package dev.gpilot.api.tenancy;

import dev.gpilot.api.kafka.CompactedTopicFeed;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Reads {@code gpilot.control-plane.v1} from the beginning into the {@link ControlPlaneStore} and
 * keeps following it (no consumer group: every API instance reads everything; committed records
 * only), as {@code VaultFeed} does for the vault. A revocation written through one instance is in
 * force on the others once this feed has read it: it polls with a 50 ms fetch wait, so within well
 * under a second.
 */
public final class ControlPlaneFeed extends CompactedTopicFeed<ControlPlaneRecord> {
  private final ControlPlaneStore store;

  public ControlPlaneFeed(String bootstrapServers, ControlPlaneStore store) {
    super(
        "control-plane feed",
        bootstrapServers,
        Map.of(
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed",
            ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
            "50"),
        Topics.CONTROL_PLANE,
        ControlPlaneRecord.class,
        "control-plane record");
    this.store = store;
  }

  @Override
  protected void put(ControlPlaneRecord record) {
    store.apply(record);
  }

  @Override
  protected void remove(String key) {
    store.remove(key);
  }

  @Override
  protected String summary() {
    return store.size() + " records";
  }
}
