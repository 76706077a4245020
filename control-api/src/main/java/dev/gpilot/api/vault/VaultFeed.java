package dev.gpilot.api.vault;

import dev.gpilot.api.kafka.CommittedStoreFeed;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.vault.VaultRecord;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Reads {@code gpilot.vault.v1} from the beginning into the {@link VaultStore} and keeps following
 * it, on one thread, without a consumer group (every API instance reads everything). It reads
 * committed records only: a write whose transaction was aborted (a fenced or crashed writer) is
 * never seen.
 */
public final class VaultFeed extends CommittedStoreFeed<VaultRecord> {
  public VaultFeed(String bootstrapServers, VaultStore store) {
    super(
        "vault feed",
        bootstrapServers,
        // A rotation writes a workspace's whole vault as one record (the writer's
        // max.request.size).
        Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024)),
        Topics.VAULT,
        VaultRecord.class,
        "vault record",
        store,
        "workspaces with a vault");
  }
}
