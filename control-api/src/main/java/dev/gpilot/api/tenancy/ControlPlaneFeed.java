package dev.gpilot.api.tenancy;

import dev.gpilot.api.kafka.CommittedStoreFeed;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import java.util.Map;

/**
 * Reads {@code gpilot.control-plane.v1} from the beginning into the {@link ControlPlaneStore} and
 * keeps following it (no consumer group: every API instance reads everything; committed records
 * only), as {@code VaultFeed} does for the vault. A revocation written through one instance is in
 * force on the others once this feed has read it: it polls with a 50 ms fetch wait, so within well
 * under a second.
 */
public final class ControlPlaneFeed extends CommittedStoreFeed<ControlPlaneRecord> {
  public ControlPlaneFeed(String bootstrapServers, ControlPlaneStore store) {
    super(
        "control-plane feed",
        bootstrapServers,
        Map.of(),
        Topics.CONTROL_PLANE,
        ControlPlaneRecord.class,
        "control-plane record",
        store,
        "records");
  }
}
