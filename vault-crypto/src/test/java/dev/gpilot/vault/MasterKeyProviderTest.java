package dev.gpilot.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.gpilot.contracts.vault.VaultKeyOptions;
import dev.gpilot.contracts.vault.VaultRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MasterKeyProviderTest {
  private static final byte[] VALUE =
      "AIzaSy-test-gemini-key-0002".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  /**
   * SPEC §10: a master keyset is rotated by adding a new primary to its file; a workspace's next
   * rotation wraps its keysets under it. The API that does so and a job that has been running all
   * along are separate processes: the job's provider, which loaded the file before the new key
   * existed, must still open the new record.
   */
  @Test
  void masterKeysetGivenANewPrimaryByAnotherProcess_opensRecordsWrappedUnderIt_withoutARestart()
      throws Exception {
    Path file = dir.resolve("vault/master-keyset.json");
    VaultMasterKey.localKeyset(file, true); // the API creates the file
    MasterKeyProvider job =
        new MasterKeyProvider(VaultKeyOptions.localKeyset(file.toString()), false);
    VaultRecord before = recordWrappedUnder(job.get());
    assertThat(open(job, before)).isEqualTo(VALUE);

    addPrimaryKey(
        file); // an operator rotates the master keyset; the API restarts and re-wraps a workspace
    VaultRecord after = recordWrappedUnder(VaultMasterKey.localKeyset(file, false));

    assertThat(open(job, after)).isEqualTo(VALUE);
    assertThat(open(job, before)).as("the old key stays in the set").isEqualTo(VALUE);
  }

  @Test
  void masterKeysetFileRewrittenBadlyOrRemoved_keepsTheKeyLoadedBefore_andCreatesNoOther()
      throws Exception {
    Path file = dir.resolve("vault/master-keyset.json");
    VaultMasterKey.localKeyset(file, true);
    MasterKeyProvider api =
        new MasterKeyProvider(VaultKeyOptions.localKeyset(file.toString()), true);
    VaultRecord record = recordWrappedUnder(api.get());

    Files.writeString(file, "{ half-written");
    assertThat(open(api, record)).isEqualTo(VALUE);

    Files.delete(file);
    assertThat(open(api, record)).isEqualTo(VALUE);
    assertThat(file).doesNotExist();
  }

  private static byte[] open(MasterKeyProvider provider, VaultRecord record) {
    return WorkspaceKeys.unwrap(provider.get(), record)
        .open("ws-1", record.secret("gemini").orElseThrow());
  }

  private static VaultRecord recordWrappedUnder(VaultMasterKey master) {
    return VaultChanges.set(master, null, null, "ws-1", "gemini", VALUE, "alice", 1).record();
  }

  /**
   * What an operator does to rotate the master keyset: a new primary key, the old ones kept;
   * atomically.
   */
  private static void addPrimaryKey(Path file) throws Exception {
    KeysetHandle current =
        TinkJsonProtoKeysetFormat.parseKeyset(
            Files.readString(file), InsecureSecretKeyAccess.get());
    KeysetHandle next =
        KeysetHandle.newBuilder(current)
            .addEntry(
                KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM)
                    .withRandomId()
                    .makePrimary())
            .build();
    Path tmp = Files.createTempFile(file.getParent(), "next-", ".json");
    Files.writeString(
        tmp, TinkJsonProtoKeysetFormat.serializeKeyset(next, InsecureSecretKeyAccess.get()));
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    assertThat(next.size()).isEqualTo(2);
  }
}
