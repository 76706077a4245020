package dev.gpilot.api.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.tenancy.ApiKeyRecord;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import dev.gpilot.contracts.tenancy.KeyUsageRecord;
import dev.gpilot.contracts.tenancy.MemberRecord;
import dev.gpilot.contracts.tenancy.Role;
import dev.gpilot.contracts.tenancy.WorkspaceRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ControlPlaneStoreTest {
  private static final String HASH = "c".repeat(64);

  private static ApiKeyRecord key(String ws, String keyId, String hash) {
    return new ApiKeyRecord(ws, keyId, "ci", Role.MEMBER, hash, 1, "alice", null, null, null, 1);
  }

  @Test
  void newestRevisionWins_inAnyOrder_soWriterAndFeedMayBothApply() {
    ApiKeyRecord created = key("acme", "k_00000000000000aa", HASH);
    ApiKeyRecord revoked = created.revoked(5, "bob");
    ControlPlaneStore store = new ControlPlaneStore();
    assertThat(store.apply(revoked)).isTrue();
    assertThat(store.apply(created))
        .isFalse(); // the feed reading the older record after the writer applied ours
    assertThat(store.keyByHash(HASH)).contains(revoked);
    assertThat(store.key("acme", "k_00000000000000aa")).contains(revoked);
    store.apply(revoked); // the same record again (writer, then feed): nothing changes
    assertThat(store.keyByHash(HASH).orElseThrow().refusedAt(5)).isTrue();
  }

  @Test
  void anyPermutationOfRecords_materializesTheSameState() {
    List<ControlPlaneRecord> records = new ArrayList<>();
    records.add(new WorkspaceRecord("acme", "Acme", 1, "alice", "default", 1));
    records.add(new WorkspaceRecord("beta", "Beta", 2, "key:k_1", "acme", 1));
    ApiKeyRecord k1 = key("acme", "k_0000000000000001", "1".repeat(64));
    records.add(k1);
    records.add(k1.revoked(9, "alice"));
    records.add(key("beta", "k_0000000000000002", "2".repeat(64)));
    records.add(KeyUsageRecord.of("acme", "k_0000000000000001", 3));
    records.add(KeyUsageRecord.of("acme", "k_0000000000000001", 7));
    records.add(new MemberRecord("acme", "bob@example.com", Role.VIEWER, 1, "alice", null, 1));
    records.add(new MemberRecord("acme", "bob@example.com", Role.ADMIN, 2, "alice", null, 2));
    JsonCodec<ControlPlaneRecord> codec = JsonCodec.of(ControlPlaneRecord.class);
    Random random = new Random(42);
    for (int round = 0; round < 50; round++) {
      List<ControlPlaneRecord> shuffled = new ArrayList<>(records);
      Collections.shuffle(shuffled, random);
      ControlPlaneStore store = new ControlPlaneStore();
      // Through the codec, as the feed reads them.
      shuffled.forEach(r -> store.apply(codec.decode(codec.encode(r))));
      assertThat(store.workspaces())
          .extracting(WorkspaceRecord::workspaceId)
          .containsExactly("acme", "beta");
      assertThat(store.keys("acme"))
          .singleElement()
          .satisfies(k -> assertThat(k.revokedAt()).isEqualTo(9L));
      assertThat(store.keys("beta")).hasSize(1);
      assertThat(store.usage("acme", "k_0000000000000001").orElseThrow().lastUsedAt()).isEqualTo(7);
      assertThat(store.members("acme"))
          .singleElement()
          .satisfies(m -> assertThat(m.role()).isEqualTo(Role.ADMIN));
      assertThat(store.keyByHash("1".repeat(64)).orElseThrow().revokedAt()).isEqualTo(9L);
    }
  }

  @Test
  void tombstone_removesTheEntityAndItsHash() {
    ControlPlaneStore store = new ControlPlaneStore();
    ApiKeyRecord k = key("acme", "k_00000000000000bb", HASH);
    store.apply(k);
    store.remove(k.key());
    assertThat(store.keyByHash(HASH)).isEmpty();
    assertThat(store.keys("acme")).isEmpty();
  }
}
