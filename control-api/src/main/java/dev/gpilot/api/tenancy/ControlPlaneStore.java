package dev.gpilot.api.tenancy;

import dev.gpilot.api.kafka.CommittedStoreFeed;
import dev.gpilot.contracts.tenancy.ApiKeyRecord;
import dev.gpilot.contracts.tenancy.BudgetRecord;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import dev.gpilot.contracts.tenancy.InvitationRecord;
import dev.gpilot.contracts.tenancy.KeyUsageRecord;
import dev.gpilot.contracts.tenancy.MemberRecord;
import dev.gpilot.contracts.tenancy.WalletGrantRecord;
import dev.gpilot.contracts.tenancy.WorkspaceRecord;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The API's copy of {@code gpilot.control-plane.v1}: each entity's newest record, by its topic key,
 * and the API keys by their keyed hash. A record replaces the held one only if its revision is
 * higher, so the feed and the writer may both apply the same record, in any order. Thread-safe.
 */
public final class ControlPlaneStore implements CommittedStoreFeed.Store<ControlPlaneRecord> {
  private static final int REMEMBERED_IDS = 10_000;

  private final ConcurrentHashMap<String, ControlPlaneRecord> byKey = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ApiKeyRecord> keysByHash = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, InvitationRecord> invitationsByHash =
      new ConcurrentHashMap<>();

  /**
   * Topic keys of the last records the writer committed, so it can tell after an unknown outcome.
   */
  private final Map<String, Long> recent =
      Collections.synchronizedMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
              return size() > REMEMBERED_IDS;
            }
          });

  /**
   * @return whether {@code record} is now the entity's record
   */
  @Override
  public boolean apply(ControlPlaneRecord record) {
    recent.merge(record.key(), record.revision(), Math::max);
    ControlPlaneRecord held =
        byKey.merge(
            record.key(),
            record,
            (current, next) -> next.revision() > current.revision() ? next : current);
    if (held == record && record instanceof ApiKeyRecord key) {
      keysByHash.put(key.hash(), key);
    } else if (held == record && record instanceof InvitationRecord invitation) {
      invitationsByHash.put(invitation.tokenHash(), invitation);
    }
    return held == record;
  }

  /** A tombstone: the entity is gone. */
  @Override
  public void remove(String key) {
    ControlPlaneRecord gone = byKey.remove(key);
    if (gone instanceof ApiKeyRecord k) {
      keysByHash.remove(k.hash(), k);
    } else if (gone instanceof InvitationRecord i) {
      invitationsByHash.remove(i.tokenHash(), i);
    }
  }

  /** Whether this entity's record has reached at least {@code revision}. */
  boolean holds(String key, long revision) {
    Long seen = recent.get(key);
    return seen != null && seen >= revision;
  }

  public Optional<ControlPlaneRecord> get(String key) {
    return Optional.ofNullable(byKey.get(key));
  }

  public Optional<WorkspaceRecord> workspace(String workspaceId) {
    return get("workspace/" + workspaceId).map(WorkspaceRecord.class::cast);
  }

  public Optional<ApiKeyRecord> key(String workspaceId, String keyId) {
    return get("api-key/" + workspaceId + "/" + keyId).map(ApiKeyRecord.class::cast);
  }

  /** The key whose keyed hash this is, revoked and expired ones included. */
  public Optional<ApiKeyRecord> keyByHash(String hash) {
    return Optional.ofNullable(keysByHash.get(hash));
  }

  /** The invitation whose accept token has this keyed hash, accepted and expired ones included. */
  public Optional<InvitationRecord> invitationByHash(String hash) {
    return Optional.ofNullable(invitationsByHash.get(hash));
  }

  public Optional<KeyUsageRecord> usage(String workspaceId, String keyId) {
    return get("key-usage/" + workspaceId + "/" + keyId).map(KeyUsageRecord.class::cast);
  }

  public List<WorkspaceRecord> workspaces() {
    return all(WorkspaceRecord.class, "workspace/").stream()
        .sorted(Comparator.comparing(WorkspaceRecord::workspaceId))
        .toList();
  }

  public List<ApiKeyRecord> keys(String workspaceId) {
    return all(ApiKeyRecord.class, "api-key/" + workspaceId + "/").stream()
        .sorted(
            Comparator.comparingLong(ApiKeyRecord::createdAt).thenComparing(ApiKeyRecord::keyId))
        .toList();
  }

  public List<MemberRecord> members(String workspaceId) {
    return all(MemberRecord.class, "member/" + workspaceId + "/").stream()
        .sorted(Comparator.comparing(MemberRecord::email))
        .toList();
  }

  public List<WalletGrantRecord> grants(String workspaceId) {
    return all(WalletGrantRecord.class, "wallet-grant/" + workspaceId + "/").stream()
        .sorted(
            Comparator.comparingLong(WalletGrantRecord::createdAt)
                .thenComparing(WalletGrantRecord::grantId))
        .toList();
  }

  public List<BudgetRecord> budgets(String workspaceId) {
    return all(BudgetRecord.class, "budget/" + workspaceId + "/");
  }

  private <T> List<T> all(Class<T> type, String prefix) {
    return byKey.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .map(Map.Entry::getValue)
        .filter(type::isInstance)
        .map(type::cast)
        .toList();
  }

  @Override
  public int size() {
    return byKey.size();
  }
}
