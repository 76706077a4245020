package dev.gpilot.api.vault;

import dev.gpilot.api.kafka.CommittedStoreFeed;
import dev.gpilot.contracts.vault.VaultRecord;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The API's copy of {@code gpilot.vault.v1}: each workspace's newest record (sealed; no plaintext).
 * A record replaces the held one only if its revision is higher, so the feed and the writer may
 * both apply the same record, in any order. Thread-safe.
 */
public final class VaultStore implements CommittedStoreFeed.Store<VaultRecord> {
  private static final int REMEMBERED_IDS = 10_000;

  private final ConcurrentHashMap<String, VaultRecord> byWorkspace = new ConcurrentHashMap<>();

  /**
   * Ids of the last records read, so a writer whose commit outcome was unknown can tell whether it
   * landed.
   */
  private final Map<String, Boolean> recentIds =
      Collections.synchronizedMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > REMEMBERED_IDS;
            }
          });

  /**
   * @return whether {@code record} is now the workspace's record
   */
  @Override
  public boolean apply(VaultRecord record) {
    recentIds.put(record.id(), Boolean.TRUE);
    VaultRecord held =
        byWorkspace.merge(
            record.workspaceId(),
            record,
            (current, next) -> next.revision() > current.revision() ? next : current);
    return held == record;
  }

  /** A tombstone: the workspace's vault is gone. */
  @Override
  public void remove(String workspaceId) {
    byWorkspace.remove(workspaceId);
  }

  /** Whether a record with this write id was applied recently. */
  public boolean seen(String recordId) {
    return recentIds.containsKey(recordId);
  }

  public Optional<VaultRecord> get(String workspaceId) {
    return Optional.ofNullable(byWorkspace.get(workspaceId));
  }

  @Override
  public int size() {
    return byWorkspace.size();
  }
}
