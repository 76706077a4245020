package dev.gpilot.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.KmsClient;
import com.google.crypto.tink.KmsClients;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.contracts.vault.SecretNames;
import dev.gpilot.contracts.vault.VaultException;
import dev.gpilot.contracts.vault.VaultKeyOptions;
import dev.gpilot.contracts.vault.VaultRecord;
import dev.gpilot.testing.Schemas;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultCryptoTest {
  private static final String WS = "ws-1";
  private static final byte[] VALUE =
      "AIzaSy-test-gemini-key-0001".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  private VaultMasterKey master() {
    return VaultMasterKey.localKeyset(dir.resolve("vault/master-keyset.json"), true);
  }

  @Test
  void sealedSecret_opensOnlyForItsWorkspaceAndName() {
    WorkspaceKeys keys = WorkspaceKeys.generate(1);
    byte[] sealed = keys.seal(WS, "gemini", VALUE);

    assertThat(keys.open(WS, "gemini", sealed)).isEqualTo(VALUE);
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("AIzaSy");
    assertThatThrownBy(() -> keys.open("ws-2", "gemini", sealed))
        .isInstanceOfSatisfying(
            VaultException.class,
            e -> assertThat(e.reason()).isEqualTo(VaultException.Reason.SECRET_UNREADABLE))
        .hasMessageContaining("secret 'gemini' of workspace 'ws-2' does not open");
    assertThatThrownBy(() -> keys.open(WS, "shopify", sealed)).isInstanceOf(VaultException.class);
  }

  @Test
  void tamperedCiphertext_isAClearError() {
    WorkspaceKeys keys = WorkspaceKeys.generate(1);
    byte[] sealed = keys.seal(WS, "gemini", VALUE);
    for (int i : new int[] {0, 5, sealed.length / 2, sealed.length - 1}) {
      byte[] tampered = sealed.clone();
      tampered[i] ^= 0x01;
      assertThatThrownBy(() -> keys.open(WS, "gemini", tampered))
          .isInstanceOfSatisfying(
              VaultException.class,
              e -> assertThat(e.reason()).isEqualTo(VaultException.Reason.SECRET_UNREADABLE));
    }
  }

  @Test
  void rotation_newKeySeals_oldKeyStillOpensUntilDropped() {
    WorkspaceKeys v1 = WorkspaceKeys.generate(1);
    byte[] underV1 = v1.seal(WS, "gemini", VALUE);

    WorkspaceKeys v2 = v1.rotate(2);
    assertThat(v2.keyVersion()).isEqualTo(2);
    assertThat(v2.primaryKeyId()).isNotEqualTo(v1.primaryKeyId());
    assertThat(v2.keys()).extracting(VaultRecord.KeyInfo::version).containsExactly(2, 1);
    assertThat(v2.open(WS, "gemini", underV1)).isEqualTo(VALUE);
    byte[] underV2 = v2.seal(WS, "gemini", VALUE);
    assertThatThrownBy(() -> v1.open(WS, "gemini", underV2)).isInstanceOf(VaultException.class);

    WorkspaceKeys stillUsed = v2.retainOnly(Set.of(v1.primaryKeyId()));
    assertThat(stillUsed.open(WS, "gemini", underV1)).isEqualTo(VALUE);
    WorkspaceKeys pruned = v2.retainOnly(Set.of());
    assertThat(pruned.keys()).hasSize(1);
    assertThat(pruned.open(WS, "gemini", underV2)).isEqualTo(VALUE);
    assertThatThrownBy(() -> pruned.open(WS, "gemini", underV1)).isInstanceOf(VaultException.class);
  }

  @Test
  void keysets_areWrappedUnderTheMasterKey_andBoundToTheWorkspace() {
    VaultMasterKey master = master();
    VaultChanges.Result created =
        VaultChanges.set(master, null, null, WS, "gemini", VALUE, "alice", 10);
    VaultRecord record = created.record();

    WorkspaceKeys reopened = WorkspaceKeys.unwrap(master, record);
    assertThat(reopened.open(WS, record.secret("gemini").orElseThrow())).isEqualTo(VALUE);

    VaultMasterKey otherMaster = VaultMasterKey.localKeyset(dir.resolve("other.json"), true);
    assertThatThrownBy(() -> WorkspaceKeys.unwrap(otherMaster, record))
        .isInstanceOfSatisfying(
            VaultException.class,
            e -> assertThat(e.reason()).isEqualTo(VaultException.Reason.KEYSET_UNREADABLE));
    VaultRecord moved =
        new VaultRecord(
            record.id(),
            "ws-2",
            record.revision(),
            record.ts(),
            record.keyVersion(),
            record.kek(),
            record.dataKeyset(),
            record.fingerprintKeyset(),
            record.keys(),
            record.secrets(),
            record.rotations(),
            record.change());
    assertThatThrownBy(() -> WorkspaceKeys.unwrap(master, moved))
        .isInstanceOf(VaultException.class);
  }

  @Test
  void changes_setDeleteRotate_keepEverySecretReadable_andBumpRevisions() {
    VaultMasterKey master = master();
    VaultRecord r1 =
        VaultChanges.set(master, null, null, WS, "gemini", VALUE, "alice", 10).record();
    VaultRecord r2 =
        VaultChanges.set(master, r1, null, WS, "social.x", "x-token".getBytes(), "bob", 20)
            .record();
    VaultRecord r3 =
        VaultChanges.set(master, r2, null, WS, "gemini", "new".getBytes(), "bob", 30).record();
    assertThat(List.of(r1.revision(), r2.revision(), r3.revision())).containsExactly(1L, 2L, 3L);
    VaultRecord.SealedSecret gemini = r3.secret("gemini").orElseThrow();
    assertThat(gemini.createdAt()).isEqualTo(10);
    assertThat(gemini.createdBy()).isEqualTo("alice");
    assertThat(gemini.updatedAt()).isEqualTo(30);
    assertThat(gemini.fingerprint()).isNotEqualTo(r1.secret("gemini").orElseThrow().fingerprint());

    VaultChanges.Result rotated = VaultChanges.rotate(master, r3, null, "carol", 40);
    VaultRecord r4 = rotated.record();
    assertThat(r4.keyVersion()).isEqualTo(2);
    assertThat(r4.keys()).hasSize(1).first().satisfies(k -> assertThat(k.version()).isEqualTo(2));
    assertThat(r4.rotations()).containsExactly(new VaultRecord.Rotation(2, 40, "carol"));
    assertThat(r4.secrets()).allSatisfy(s -> assertThat(s.keyVersion()).isEqualTo(2));
    assertThat(r4.dataKeyset()).isNotEqualTo(r3.dataKeyset());
    WorkspaceKeys keys = WorkspaceKeys.unwrap(master, r4);
    assertThat(keys.open(WS, r4.secret("gemini").orElseThrow())).isEqualTo("new".getBytes());
    assertThat(keys.open(WS, r4.secret("social.x").orElseThrow())).isEqualTo("x-token".getBytes());
    // Fingerprints describe values, not keys: unchanged by a rotation.
    assertThat(r4.secret("gemini").orElseThrow().fingerprint()).isEqualTo(gemini.fingerprint());
    assertThat(rotated.audit().action()).isEqualTo(AuditEvent.KEYS_ROTATE);
    assertThat(rotated.audit().keyVersion()).isEqualTo(2);

    VaultRecord r5 = VaultChanges.delete(master, r4, null, WS, "social.x", "bob", 50).record();
    assertThat(r5.secrets()).extracting(VaultRecord.SealedSecret::name).containsExactly("gemini");
    assertThat(VaultChanges.delete(master, r5, null, WS, "social.x", "bob", 60)).isNull();
  }

  @Test
  void rotation_ofAVaultWithATamperedSecret_failsWithoutAChange() {
    VaultMasterKey master = master();
    VaultRecord r1 =
        VaultChanges.set(master, null, null, WS, "gemini", VALUE, "alice", 10).record();
    VaultRecord.SealedSecret s = r1.secret("gemini").orElseThrow();
    byte[] ct = Base64.getDecoder().decode(s.ciphertext());
    ct[ct.length - 3] ^= 0x10;
    VaultRecord tampered =
        new VaultRecord(
            r1.id(),
            WS,
            1,
            10,
            1,
            r1.kek(),
            r1.dataKeyset(),
            r1.fingerprintKeyset(),
            r1.keys(),
            List.of(
                new VaultRecord.SealedSecret(
                    "gemini",
                    Base64.getEncoder().encodeToString(ct),
                    s.keyId(),
                    1,
                    s.fingerprint(),
                    10,
                    "alice",
                    10,
                    "alice")),
            List.of(),
            r1.change());

    assertThatThrownBy(() -> VaultChanges.rotate(master, tampered, null, "carol", 20))
        .isInstanceOfSatisfying(
            VaultException.class,
            e -> assertThat(e.reason()).isEqualTo(VaultException.Reason.SECRET_UNREADABLE));
  }

  @Test
  void valueEncoding_isLengthPrefixedLikeTheOtherParts_soStoredFingerprintsStayValid() {
    assertThat(VaultCrypto.encode("xy".getBytes(StandardCharsets.UTF_8), "a"))
        .containsExactly(0, 0, 0, 1, 'a', 0, 0, 0, 2, 'x', 'y');
  }

  @Test
  void fingerprint_isKeyedShortHex_andDependsOnName() {
    WorkspaceKeys keys = WorkspaceKeys.generate(1);
    String fp = keys.fingerprint(WS, "gemini", VALUE);
    assertThat(fp).matches("[0-9a-f]{16}");
    assertThat(keys.fingerprint(WS, "gemini", VALUE)).isEqualTo(fp);
    assertThat(keys.fingerprint(WS, "social.x", VALUE)).isNotEqualTo(fp);
    assertThat(WorkspaceKeys.generate(1).fingerprint(WS, "gemini", VALUE)).isNotEqualTo(fp);
  }

  @Test
  void localMasterKeyset_isCreatedOwnerOnly_once_andRequiredWhereNotCreated() throws Exception {
    Path file = dir.resolve("vault/master-keyset.json");
    assertThatThrownBy(() -> VaultMasterKey.localKeyset(file, false))
        .isInstanceOfSatisfying(
            VaultException.class,
            e -> assertThat(e.reason()).isEqualTo(VaultException.Reason.MASTER_KEY_UNAVAILABLE));

    VaultMasterKey first = VaultMasterKey.localKeyset(file, true);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
    String content = Files.readString(file);
    VaultMasterKey second = VaultMasterKey.localKeyset(file, true);
    assertThat(Files.readString(file)).isEqualTo(content);
    VaultRecord r = VaultChanges.set(first, null, null, WS, "gemini", VALUE, "a", 1).record();
    assertThat(WorkspaceKeys.unwrap(second, r).open(WS, r.secret("gemini").orElseThrow()))
        .isEqualTo(VALUE);
    assertThat(second.kek()).isEqualTo(VaultMasterKey.LOCAL_KEYSET);
  }

  @Test
  void kmsMasterKey_goesThroughTinksKmsClients() throws Exception {
    Aead remote =
        KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM)
            .getPrimitive(RegistryConfiguration.get(), Aead.class);
    KmsClients.add(
        new KmsClient() {
          @Override
          public boolean doesSupport(String keyUri) {
            return keyUri.startsWith("test-kms://");
          }

          @Override
          public KmsClient withCredentials(String credentialPath) {
            return this;
          }

          @Override
          public KmsClient withDefaultCredentials() {
            return this;
          }

          @Override
          public Aead getAead(String keyUri) {
            return remote;
          }
        });
    VaultMasterKey kms =
        VaultMasterKey.load(VaultKeyOptions.kms("test-kms://projects/p/keys/k"), false);
    VaultRecord r = VaultChanges.set(kms, null, null, WS, "gemini", VALUE, "a", 1).record();
    assertThat(r.kek()).isEqualTo("test-kms://projects/p/keys/k");
    assertThat(WorkspaceKeys.unwrap(kms, r).open(WS, r.secret("gemini").orElseThrow()))
        .isEqualTo(VALUE);

    assertThatThrownBy(
            () -> VaultMasterKey.load(VaultKeyOptions.kms("gcp-kms://projects/p/keys/none"), false))
        .isInstanceOfSatisfying(
            VaultException.class,
            e -> assertThat(e.reason()).isEqualTo(VaultException.Reason.MASTER_KEY_UNAVAILABLE))
        .hasMessageContaining("register one with Tink's KmsClients");
  }

  @Test
  void secretNames_acceptTheProvidersAndSocial_only() {
    assertThat(List.of("gemini", "shopify", "reddit", "social.x", "social.linked_in-2"))
        .allMatch(SecretNames::isValid);
    assertThat(
            List.of(
                "",
                "Gemini",
                "openai",
                "social.",
                "social.X",
                "social.a b",
                "social." + "a".repeat(64),
                "gemini ",
                "../gemini",
                "social.-x"))
        .noneMatch(SecretNames::isValid);
  }

  @Test
  void records_roundTripAndMatchTheirSchemas() throws Exception {
    VaultMasterKey master = master();
    VaultRecord r =
        VaultChanges.rotate(
                master,
                VaultChanges.set(master, null, null, WS, "gemini", VALUE, "a", 1).record(),
                null,
                "b",
                2)
            .record();
    JsonCodec<VaultRecord> codec = JsonCodec.of(VaultRecord.class);
    assertThat(codec.decode(codec.encode(r))).isEqualTo(r);
    JsonNode tree = Json.mapper().readTree(codec.encode(r));
    assertThat(Schemas.problems("vault-record.v1", tree)).isEmpty();
    assertThat(tree.toString()).doesNotContain("AIzaSy");

    AuditEvent event = VaultChanges.set(master, r, null, WS, "reddit", VALUE, "a", 3).audit();
    JsonCodec<AuditEvent> audits = JsonCodec.of(AuditEvent.class);
    assertThat(audits.decode(audits.encode(event))).isEqualTo(event);
    assertThat(Schemas.problems("audit-event.v1", Json.mapper().readTree(audits.encode(event))))
        .isEmpty();
    assertThatThrownBy(
            () ->
                new AuditEvent(
                    "i",
                    WS,
                    1,
                    "vault.secret.read",
                    "a",
                    "api",
                    null,
                    1,
                    1,
                    null,
                    null,
                    null,
                    null,
                    null,
                    0))
        .hasMessageContaining("unknown audit action");
  }
}
