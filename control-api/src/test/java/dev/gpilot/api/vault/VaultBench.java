package dev.gpilot.api.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.vault.VaultRecord;
import dev.gpilot.jobs.vault.KeyRequest;
import dev.gpilot.jobs.vault.VaultKeyResolver;
import dev.gpilot.jobs.vault.VaultReader;
import dev.gpilot.testing.KafkaTestBroker;
import dev.gpilot.vault.MasterKeyProvider;
import dev.gpilot.vault.VaultChanges;
import dev.gpilot.vault.VaultMasterKey;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The vault benchmark ({@code ./gpilot bench vault}; not part of the suite): a real API over HTTP
 * on an in-process Kafka broker, measuring secrets set and read per second and the rotation of a
 * workspace holding 1,000 secrets. Prints the numbers and writes them as JSON to {@code
 * $GPILOT_BENCH_OUT} (default target/bench/vault.json).
 */
class VaultBench {
  @RegisterExtension static final KafkaTestBroker KAFKA = new KafkaTestBroker();

  private static final int CLIENTS = 16;
  private static final int SECRETS = 1000;
  private static final int ROTATIONS = 5;

  @Test
  void bench() throws Exception {
    Path home = Files.createTempDirectory("vault-bench");
    VaultOptions options =
        VaultOptions.localKeyset(home.resolve("master.json").toString())
            .withRotationInterval(Duration.ZERO);
    Map<String, Principal> tokens = new HashMap<>();
    tokens.put("big", new Principal("ws-big", "bench"));
    for (int i = 0; i < 200; i++) {
      tokens.put("t" + i, new Principal("ws-" + i, "bench"));
    }
    ObjectNode out = Json.mapper().createObjectNode();
    out.put("machine", Runtime.getRuntime().availableProcessors() + " cores");
    out.put("clients", CLIENTS);
    try (ControlApi api =
        new ControlApi(
                new ApiOptions(
                    "127.0.0.1", 0, KAFKA.bootstrapServers(), Path.of("unused"), 10_000, 2),
                TokenAuthenticator.of(tokens),
                options)
            .start()) {
      VaultHttp http = new VaultHttp(api.port());
      http.putValue("gemini", "warm-up", "t0");

      // 1. Sets into one workspace until it holds 1,000 secrets (each set rewrites the whole
      // workspace record).
      double setsOneWorkspace =
          rate(
              SECRETS,
              CLIENTS,
              i ->
                  http.putValue(
                      "social.s" + i,
                      "sk-bench-" + i + "-0123456789abcdef0123456789abcdef",
                      "big"));
      assertThat(http.vault("big").get("secrets")).hasSize(SECRETS);
      out.put("setsPerSecondOneWorkspace", round(setsOneWorkspace));

      // 2. Sets spread over 200 workspaces.
      double setsSpread =
          rate(
              2000, CLIENTS, i -> http.putValue("social.k" + (i / 200), "v-" + i, "t" + (i % 200)));
      out.put("setsPerSecond200Workspaces", round(setsSpread));

      // 3. Reads of a secret's metadata over HTTP.
      double reads =
          rate(
              5000,
              CLIENTS,
              i -> http.get("/api/v1/vault/secrets/social.s" + (i % SECRETS), "big"));
      out.put("metadataReadsPerSecond", round(reads));

      // 4. Rotation of the 1,000-secret workspace, end to end over HTTP (re-encrypt, commit,
      // apply).
      List<Long> rotationMs = new ArrayList<>();
      for (int r = 0; r < ROTATIONS; r++) {
        long t0 = System.nanoTime();
        HttpResponse<String> response = http.rotate("big");
        rotationMs.add((System.nanoTime() - t0) / 1_000_000);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      }
      Collections.sort(rotationMs);
      out.put("rotationSecrets", SECRETS);
      out.put("rotationMsMedian", rotationMs.get(ROTATIONS / 2));
      out.put("rotationMsMax", rotationMs.get(ROTATIONS - 1));
      out.putPOJO("rotationMsAll", rotationMs);
      assertThat(http.vault("big").get("keyVersion").asInt()).isEqualTo(1 + ROTATIONS);

      // 5. The re-encryption alone, in memory (no Kafka), for the breakdown.
      VaultMasterKey master = VaultMasterKey.localKeyset(home.resolve("master.json"), false);
      VaultRecord record = null;
      for (int i = 0; i < SECRETS; i++) {
        record =
            VaultChanges.set(
                    master,
                    record,
                    null,
                    "ws-mem",
                    "social.m" + i,
                    ("sk-" + i).getBytes(StandardCharsets.UTF_8),
                    "bench",
                    i)
                .record();
      }
      long t0 = System.nanoTime();
      VaultChanges.rotate(master, record, null, "bench", 1);
      out.put("reencryptOnlyMs", (System.nanoTime() - t0) / 1_000_000);

      // 6. Job-side decrypt-for-use: the resolver opening the workspace's secret for a call.
      try (VaultKeyResolver resolver =
          new VaultKeyResolver(
              VaultReader.acquire(KAFKA.bootstrapServers()),
              true,
              MasterKeyProvider.of(master),
              null,
              event -> {},
              Clock.systemUTC())) {
        resolver.keyFor(KeyRequest.of("ws-big", "social.s1"));
        double decrypts =
            rate(
                50_000,
                2,
                i -> resolver.keyFor(KeyRequest.of("ws-big", "social.s" + (i % SECRETS))));
        out.put("jobDecryptsPerSecond", round(decrypts));
      }
    }
    String json = Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out);
    Path file =
        Path.of(System.getenv().getOrDefault("GPILOT_BENCH_OUT", "target/bench/vault.json"));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, json + "\n");
    System.out.println(json);
  }

  /** Runs {@code n} calls on {@code threads} threads; calls per second. */
  private static double rate(int n, int threads, Call call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicInteger next = new AtomicInteger();
    long t0 = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(
          pool.submit(
              () -> {
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                  Object result = call.run(i);
                  if (result instanceof HttpResponse<?> r && r.statusCode() >= 300) {
                    throw new AssertionError(
                        "call " + i + " answered " + r.statusCode() + ": " + r.body());
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    pool.shutdown();
    return n / seconds;
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  /** One call of a measured loop. */
  interface Call {
    Object run(int i) throws Exception;
  }
}
