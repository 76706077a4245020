package dev.gpilot.api.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyHasherTest {
  @TempDir Path dir;

  @Test
  void noSecretYet_knowsNoKey_andCreatesNothing() {
    Path file = dir.resolve("auth/key-hash-secret");
    assertThat(new KeyHasher(file).hashIfKnown("gp_x")).isNull();
    assertThat(file).doesNotExist();
  }

  @Test
  void hash_isKeyedByTheDeploymentSecret_privateFile() throws Exception {
    Path file = dir.resolve("auth/key-hash-secret");
    String hash = new KeyHasher(file).hash("gp_k_1_secret");
    assertThat(hash).matches("[0-9a-f]{64}");
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(file.getParent()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    // Another instance reading the same file agrees; another deployment's secret does not.
    assertThat(new KeyHasher(file).hashIfKnown("gp_k_1_secret")).isEqualTo(hash);
    assertThat(new KeyHasher(dir.resolve("other/secret")).hash("gp_k_1_secret")).isNotEqualTo(hash);
    assertThat(hash).isNotEqualTo(dev.gpilot.contracts.Sha256.hex("gp_k_1_secret"));
  }

  @Test
  void instancesCreatingTheSecretTogether_agreeOnOne() throws Exception {
    Path file = dir.resolve("auth/key-hash-secret");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<String>> tasks =
          IntStream.range(0, 16)
              .<Callable<String>>mapToObj(i -> () -> new KeyHasher(file).hash("gp_same"))
              .toList();
      Set<String> hashes =
          pool.invokeAll(tasks).stream()
              .map(
                  f -> {
                    try {
                      return f.get();
                    } catch (Exception e) {
                      throw new AssertionError(e);
                    }
                  })
              .collect(Collectors.toSet());
      assertThat(hashes).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
    try (var files = Files.list(file.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()).toList())
          .containsExactly("key-hash-secret");
    }
  }
}
