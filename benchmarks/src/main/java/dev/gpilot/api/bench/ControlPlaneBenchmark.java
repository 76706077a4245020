package dev.gpilot.api.bench;

import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.tenancy.ControlPlaneFeed;
import dev.gpilot.api.tenancy.ControlPlaneStore;
import dev.gpilot.api.tenancy.KeyHasher;
import dev.gpilot.api.tenancy.Tenancy;
import dev.gpilot.api.tenancy.TenancyOptions;
import dev.gpilot.api.tenancy.TenancyService;
import dev.gpilot.contracts.TopicAdmin;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.tenancy.ApiKeyRecord;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import dev.gpilot.contracts.tenancy.MemberRecord;
import dev.gpilot.contracts.tenancy.Role;
import dev.gpilot.contracts.tenancy.WorkspaceRecord;
import dev.gpilot.testing.KafkaTestBroker;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./gpilot bench control-plane [workspaces] [keysPerWorkspace] [lookups]}: what an API
 * instance's materialized control plane ({@code gpilot.control-plane.v1}, SPEC.md section 11) costs
 * in heap and start-up time, and what authenticating an API key against it costs. Issue 19: "API
 * memory with 10,000 workspaces and 100,000 keys materialized".
 *
 * <p>On an in-process Kafka broker ({@link KafkaTestBroker}, nothing needs to be up), it writes
 * {@code workspaces} workspaces, {@code keysPerWorkspace} API keys each (real keys of the API's
 * format, hashed by a real {@link KeyHasher} under a fresh secret, so the hash index holds real
 * 64-digit hashes) and {@value #MEMBERS_PER_WORKSPACE} members each, exactly as the API writes them
 * (Kafka key {@code record.key()}, value the JSON of {@link JsonCodec}), with one idempotent
 * producer. Then, in this JVM:
 *
 * <ol>
 *   <li><b>materialize</b>, {@code rounds} times: a fresh {@link ControlPlaneStore} and {@link
 *       ControlPlaneFeed}; the time from {@code start()} until caught up, and the heap used (after
 *       {@code System.gc()}, MemoryMXBean) before and after; then the feed is closed and the store
 *       dropped, and the heap that freed is the store's retained size alone (the broker shares the
 *       heap and moves it by some MiB, hence medians of rounds);
 *   <li><b>instance</b>: {@link Tenancy#start} as {@code ControlApi} calls it (feed caught up,
 *       fenced writer, budget status feed): its start-up time and the heap it holds;
 *   <li><b>authenticate</b>: {@link Tenancy#authenticate} (the real path without HTTP: tokens-file
 *       digest, HMAC, hash index, workspace check, usage touch) over {@code lookups} keys drawn at
 *       random from all, one thread, each call timed; then the parts alone (the header's parsing,
 *       the tokens-file digest, the HMAC) and unknown keys (the 401 path);
 *   <li><b>with key usage</b>: closing the instance writes the {@code lastUsedAt} of every key the
 *       lookups used (one {@code key-usage} record each, as its usage flush does); a fresh store
 *       and feed then read the topic again.
 * </ol>
 *
 * Prints a table and saves the JSON. Arguments: outputFile [workspaces=10000] [keysPerWorkspace=10]
 * [lookups=1000000] [rounds=3] (of step 1).
 */
public final class ControlPlaneBenchmark {
  static final int MEMBERS_PER_WORKSPACE = 3;
  private static final Role[] MEMBER_ROLES = {Role.OWNER, Role.ADMIN, Role.MEMBER};
  private static final Role[] KEY_ROLES = {
    Role.OWNER, Role.ADMIN, Role.MEMBER, Role.MEMBER, Role.VIEWER
  };
  private static final String FILE_TOKEN = "bench-control-plane-file-token";

  public static void main(String[] args) {
    BenchMain.exitAfter(args, ControlPlaneBenchmark::run);
  }

  private static void run(String[] args) throws Exception {
    Path output = Path.of(args[0]);
    int workspaces = BenchMain.intArg(args, 1, 10_000);
    int keysPerWorkspace = BenchMain.intArg(args, 2, 10);
    int lookups = BenchMain.intArg(args, 3, 1_000_000);
    int rounds = BenchMain.intArg(args, 4, 3);
    int keyCount = workspaces * keysPerWorkspace;
    int memberCount = workspaces * MEMBERS_PER_WORKSPACE;
    long records = (long) workspaces + keyCount + memberCount;

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("startedAt", Instant.now().toString());
    out.put("workspaces", workspaces);
    out.put("keysPerWorkspace", keysPerWorkspace);
    out.put("keys", keyCount);
    out.put("members", memberCount);
    out.put("records", records);
    out.put("lookups", lookups);
    out.put("cores", Runtime.getRuntime().availableProcessors());
    out.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
    out.put(
        "gc",
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .toList());
    out.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    out.put("loadAverageAtStart", CostRowsGenerator.loadAverage());
    System.out.printf(
        Locale.ROOT,
        "control plane: %,d workspaces, %,d keys, %,d members; -Xmx %,d MiB, %s%n",
        workspaces,
        keyCount,
        memberCount,
        Runtime.getRuntime().maxMemory() >> 20,
        out.get("gc"));

    KafkaTestBroker kafka = new KafkaTestBroker();
    kafka.beforeAll(null);
    Path home = Files.createTempDirectory("bench-control-plane");
    try {
      String bootstrap = kafka.bootstrapServers();
      TopicAdmin.ensureTopics(bootstrap);
      awaitLeader(bootstrap);
      Path secret = home.resolve("auth/key-hash-secret");
      KeyHasher hasher = new KeyHasher(secret);

      // ---- write the topic (the plaintext keys and their headers stay in this JVM for the
      // lookups: held before
      // the baseline, so they are not counted as the store's)
      String[] headers = new String[keyCount];
      String[] hashes = new String[keyCount];
      String[] keyWorkspace = new String[keyCount];
      long t0 = System.nanoTime();
      long[] bytes =
          write(bootstrap, hasher, workspaces, keysPerWorkspace, headers, hashes, keyWorkspace);
      double writeSeconds = (System.nanoTime() - t0) / 1e9;
      out.put(
          "write",
          ordered(
              "seconds",
              round(writeSeconds, 2),
              "recordsPerSecond",
              (long) (records / writeSeconds),
              "keyBytes",
              bytes[0],
              "valueBytes",
              bytes[1],
              "apiKeyValueBytes",
              bytes[2]));
      System.out.printf(
          Locale.ROOT,
          "wrote %,d records (%,d bytes of keys and values; an api-key value ~%d bytes)"
              + " in %.1f s%n",
          records,
          bytes[0] + bytes[1],
          bytes[2] / Math.max(1, keyCount),
          writeSeconds);

      // ---- materialize with a bare store and feed, `rounds` times (the broker shares this JVM and
      // its heap moves
      // by some MiB: the medians, and every round, are reported)
      List<long[]> runs = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        runs.add(materialize(bootstrap, records, hashes));
      }
      Map<String, Object> mat = new LinkedHashMap<>();
      long[] catchUp = runs.stream().mapToLong(x -> x[4]).toArray();
      long[] withFeed = runs.stream().mapToLong(x -> x[1] - x[0]).toArray();
      long[] alone = runs.stream().mapToLong(x -> x[2] - x[3]).toArray();
      long storeAlone = median(alone);
      mat.put("rounds", rounds);
      mat.put("catchUpSecondsFirst", round(catchUp[0] / 1e9, 3));
      mat.put("catchUpSecondsMedian", round(median(catchUp) / 1e9, 3));
      mat.put("recordsPerSecondFirst", (long) (records / (catchUp[0] / 1e9)));
      mat.put("heapBeforeMiBFirst", mib(runs.get(0)[0]));
      mat.put("heapAfterMiBFirst", mib(runs.get(0)[1]));
      mat.put("storeAndFeedMiBMedian", mib(median(withFeed)));
      mat.put("storeAloneMiBMedian", mib(storeAlone));
      mat.put("storeAloneBytesMedian", storeAlone);
      mat.put("bytesPerRecord", storeAlone / records);
      mat.put("bytesPerKeyAllIncluded", storeAlone / Math.max(1, keyCount));
      mat.put(
          "catchUpSecondsEach", Arrays.stream(catchUp).mapToObj(x -> round(x / 1e9, 3)).toList());
      mat.put(
          "storeAndFeedMiBEach",
          Arrays.stream(withFeed).mapToObj(ControlPlaneBenchmark::mib).toList());
      mat.put(
          "storeAloneMiBEach", Arrays.stream(alone).mapToObj(ControlPlaneBenchmark::mib).toList());
      out.put("materialize", mat);

      // ---- an instance's control plane as ControlApi starts it
      long tBefore = usedHeapAfterGc();
      TokenAuthenticator tokens =
          TokenAuthenticator.of(Map.of(FILE_TOKEN, new Principal("default", "bench")));
      TenancyOptions options =
          TenancyOptions.of(secret).withUsageFlushInterval(Duration.ofHours(1));
      long s0 = System.nanoTime();
      Tenancy tenancy = Tenancy.start(bootstrap, options, tokens, Clock.systemUTC());
      double startSeconds = (System.nanoTime() - s0) / 1e9;
      long tAfter = usedHeapAfterGc();
      Map<String, Object> inst = new LinkedHashMap<>();
      inst.put("tenancyStartSeconds", round(startSeconds, 3));
      inst.put("heapMiB", mib(tAfter - tBefore));
      out.put("instance", inst);

      try {
        out.put(
            "authenticate", authenticate(tenancy, tokens, hasher, headers, keyWorkspace, lookups));
        long touched = usedHeapAfterGc();
        inst.put("heapAfterLookupsMiB", mib(touched - tBefore));
      } finally {
        // Closing writes the lastUsedAt of every key the lookups used (KeyUsageTracker's last
        // flush, 5 s at most).
        long w0 = System.nanoTime();
        tenancy.close();
        inst.put("closeWithUsageFlushSeconds", round((System.nanoTime() - w0) / 1e9, 3));
      }

      // ---- the store once the keys' lastUsedAt records are on the topic too (one key-usage record
      // per key used)
      long[] used = materialize(bootstrap, -1, hashes);
      long usageRecords = used[5] - records;
      Map<String, Object> withUsage = new LinkedHashMap<>();
      withUsage.put("keyUsageRecords", usageRecords);
      withUsage.put("catchUpSeconds", round(used[4] / 1e9, 3));
      withUsage.put("storeAloneMiB", mib(used[2] - used[3]));
      withUsage.put(
          "bytesPerKeyUsageRecord",
          usageRecords > 0 ? (used[2] - used[3] - storeAlone) / usageRecords : null);
      out.put("withKeyUsage", withUsage);
    } finally {
      kafka.afterAll(null);
      // the throwaway key-hash secret
      try (var files = Files.walk(home)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    out.put("loadAverageAtEnd", CostRowsGenerator.loadAverage());
    table(out);
    String json = Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n";
    Files.createDirectories(output.toAbsolutePath().getParent());
    Files.writeString(output, json);
    System.out.print(json);
    System.out.println("saved to " + output);
  }

  /**
   * Writes the workspaces, their members and their keys; fills the lookup tables.
   *
   * @return bytes of Kafka keys, of values, of api-key values
   */
  private static long[] write(
      String bootstrap,
      KeyHasher hasher,
      int workspaces,
      int keysPerWorkspace,
      String[] headers,
      String[] hashes,
      String[] keyWorkspace)
      throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    JsonCodec<ControlPlaneRecord> codec = JsonCodec.of(ControlPlaneRecord.class);
    SplittableRandom random = new SplittableRandom(19);
    byte[] id = new byte[8];
    byte[] secretPart = new byte[32];
    long now = System.currentTimeMillis();
    long[] bytes = new long[3];
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      int k = 0;
      for (int w = 0; w < workspaces; w++) {
        String ws = String.format(Locale.ROOT, "team-%05d", w);
        long created = now - (workspaces - w) * 60_000L;
        String owner = "key:k_" + HexFormat.of().formatHex(longBytes(random.nextLong()));
        List<ControlPlaneRecord> batch = new ArrayList<>();
        batch.add(new WorkspaceRecord(ws, "Team " + w, created, owner, "default", 1));
        for (int m = 0; m < MEMBERS_PER_WORKSPACE; m++) {
          batch.add(
              new MemberRecord(
                  ws,
                  "person" + m + "." + w + "@example.com",
                  MEMBER_ROLES[m],
                  created,
                  owner,
                  null,
                  1));
        }
        for (int i = 0; i < keysPerWorkspace; i++, k++) {
          random.nextBytes(id);
          random.nextBytes(secretPart);
          String keyId = "k_" + HexFormat.of().formatHex(id);
          String key =
              TenancyService.KEY_PREFIX
                  + keyId
                  + "_"
                  + Base64.getUrlEncoder().withoutPadding().encodeToString(secretPart);
          String hash = hasher.hash(key);
          // Some keys expire (in a year): the field is then present, as the API writes it.
          Long expiresAt = i % 4 == 3 ? now + 365L * 24 * 3600 * 1000 : null;
          batch.add(
              new ApiKeyRecord(
                  ws,
                  keyId,
                  i == 0 ? "owner" : "ci-deploy-" + i,
                  i == 0 ? Role.OWNER : KEY_ROLES[i % KEY_ROLES.length],
                  hash,
                  created + i * 1000L,
                  owner,
                  expiresAt,
                  null,
                  null,
                  1));
          headers[k] = "Bearer " + key;
          hashes[k] = hash;
          keyWorkspace[k] = ws;
        }
        for (ControlPlaneRecord r : batch) {
          byte[] value = codec.encode(r);
          bytes[0] += r.key().length();
          bytes[1] += value.length;
          if (r instanceof ApiKeyRecord) {
            bytes[2] += value.length;
          }
          producer.send(new ProducerRecord<>(Topics.CONTROL_PLANE, r.key(), value));
        }
      }
      producer.flush();
    }
    return bytes;
  }

  /**
   * One fresh store and feed read the topic whole.
   *
   * @param records the records the topic holds, or -1 to take what it holds
   * @return heap before, heap after (feed still running), heap with the store alone (feed closed),
   *     heap once the store is dropped, catch-up nanoseconds, records in the store
   */
  private static long[] materialize(String bootstrap, long records, String[] hashes)
      throws Exception {
    long before = usedHeapAfterGc();
    ControlPlaneStore store = new ControlPlaneStore();
    ControlPlaneFeed feed = new ControlPlaneFeed(bootstrap, store);
    long c0 = System.nanoTime();
    feed.start();
    if (!feed.awaitCaughtUp(Duration.ofMinutes(5))) {
      throw new IllegalStateException("the feed did not catch up within 5 minutes");
    }
    long catchUp = System.nanoTime() - c0;
    long size = store.size();
    if (records >= 0 && size != records) {
      throw new IllegalStateException(
          "the store holds " + store.size() + " records, expected " + records);
    }
    long after = usedHeapAfterGc();
    feed.close();
    feed = null;
    long storeOnly = usedHeapAfterGc();
    for (String hash : hashes) {
      if (store.keyByHash(hash).isEmpty()) {
        throw new IllegalStateException("the hash index does not hold every key");
      }
    }
    store = null;
    long dropped = usedHeapAfterGc();
    System.out.printf(
        Locale.ROOT,
        "  materialized in %.3f s: store + feed %.1f MiB, store alone %.1f MiB%n",
        catchUp / 1e9,
        mib(after - before),
        mib(storeOnly - dropped));
    return new long[] {before, after, storeOnly, dropped, catchUp, size};
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(sorted.length - 1) / 2];
  }

  /**
   * Waits until the new topic's partition has a leader that answers, so the writes are not retried.
   */
  private static void awaitLeader(String bootstrap) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      TopicPartition tp = new TopicPartition(Topics.CONTROL_PLANE, 0);
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (true) {
        try {
          admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get(10, TimeUnit.SECONDS);
          return;
        } catch (ExecutionException e) {
          if (System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(100);
        }
      }
    }
  }

  private static Map<String, Object> authenticate(
      Tenancy tenancy,
      TokenAuthenticator tokens,
      KeyHasher hasher,
      String[] headers,
      String[] keyWorkspace,
      int lookups) {
    SplittableRandom random = new SplittableRandom(7);
    int n = headers.length;
    int[] picks = new int[lookups];
    for (int i = 0; i < lookups; i++) {
      picks[i] = random.nextInt(n);
    }
    // Warm-up: a tenth of the lookups (at least 20,000), untimed.
    int warm = Math.max(20_000, lookups / 10);
    for (int i = 0; i < warm; i++) {
      tenancy.authenticate(headers[random.nextInt(n)]);
    }
    long[] ns = new long[lookups];
    int wrong = 0;
    long start = System.nanoTime();
    for (int i = 0; i < lookups; i++) {
      int p = picks[i];
      long s = System.nanoTime();
      Principal principal = tenancy.authenticate(headers[p]);
      ns[i] = System.nanoTime() - s;
      if (!principal.workspaceId().equals(keyWorkspace[p])) {
        wrong++;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (wrong > 0) {
      throw new IllegalStateException(wrong + " lookups authenticated the wrong workspace");
    }
    Map<String, Object> auth = new LinkedHashMap<>();
    auth.put("path", "Tenancy.authenticate (TenancyService.authenticate), no HTTP");
    auth.put("seconds", round(seconds, 3));
    auth.put("perSecond", (long) (lookups / seconds));
    auth.putAll(percentiles(ns));

    // The parts alone, over the same picks (a tenth of them): the header's parsing, the tokens-file
    // lookup (a
    // SHA-256 digest of every token) and the HMAC; the rest is two map lookups, the usage touch and
    // the principal.
    int partN = Math.max(1, lookups / 10);
    int sink = 0;
    long b0 = System.nanoTime();
    for (int i = 0; i < partN; i++) {
      sink += TokenAuthenticator.bearer(headers[picks[i]]).length();
    }
    double bearerSeconds = (System.nanoTime() - b0) / 1e9;
    long f0 = System.nanoTime();
    for (int i = 0; i < partN; i++) {
      sink += tokens.find(headers[picks[i]].substring(7)) == null ? 1 : 0;
    }
    double findSeconds = (System.nanoTime() - f0) / 1e9;
    long h0 = System.nanoTime();
    for (int i = 0; i < partN; i++) {
      sink += hasher.hashIfKnown(headers[picks[i]].substring(7)).length();
    }
    double hmacSeconds = (System.nanoTime() - h0) / 1e9;
    auth.put("bearerParseAloneNs", (long) (bearerSeconds * 1e9 / partN));
    auth.put("tokensFileFindAloneNs", (long) (findSeconds * 1e9 / partN));
    auth.put("hmacAloneNs", (long) (hmacSeconds * 1e9 / partN));
    auth.put("hmacAlonePerSecond", (long) (partN / hmacSeconds));

    // Unknown keys of the right shape: the 401 path (an exception per call).
    int unknownN = Math.max(1, lookups / 10);
    int refused = 0;
    long u0 = System.nanoTime();
    for (int i = 0; i < unknownN; i++) {
      String h = headers[picks[i]];
      try {
        tenancy.authenticate(h.substring(0, h.length() - 2) + (h.endsWith("AA") ? "BB" : "AA"));
      } catch (ApiException e) {
        refused++;
      }
    }
    double unknownSeconds = (System.nanoTime() - u0) / 1e9;
    if (refused != unknownN) {
      throw new IllegalStateException((unknownN - refused) + " unknown keys were accepted");
    }
    auth.put("unknownKeyPerSecond", (long) (unknownN / unknownSeconds));
    if (sink == 0) {
      throw new IllegalStateException("no hash computed");
    }
    return auth;
  }

  private static Map<String, Object> percentiles(long[] ns) {
    long[] sorted = ns.clone();
    Arrays.sort(sorted);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p50Ns", pct(sorted, 50));
    m.put("p90Ns", pct(sorted, 90));
    m.put("p99Ns", pct(sorted, 99));
    m.put("p999Ns", pct(sorted, 99.9));
    m.put("maxNs", sorted[sorted.length - 1]);
    m.put("meanNs", (long) Arrays.stream(ns).average().orElse(0));
    return m;
  }

  private static long pct(long[] sorted, double p) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  /** The heap in use after full collections: the lowest of several readings, once it settles. */
  private static long usedHeapAfterGc() throws InterruptedException {
    long lowest = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(150);
      lowest = Math.min(lowest, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return lowest;
  }

  @SuppressWarnings("unchecked")
  private static void table(Map<String, Object> out) {
    Map<String, Object> write = (Map<String, Object>) out.get("write");
    Map<String, Object> mat = (Map<String, Object>) out.get("materialize");
    Map<String, Object> inst = (Map<String, Object>) out.get("instance");
    Map<String, Object> auth = (Map<String, Object>) out.get("authenticate");
    String f = "  %-46s %s%n";
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "control plane: %,d workspaces, %,d keys, %,d members (%,d records); -Xmx %s MiB,"
            + " %d cores, load %s -> %s%n",
        out.get("workspaces"),
        out.get("keys"),
        out.get("members"),
        out.get("records"),
        out.get("maxHeapMiB"),
        out.get("cores"),
        out.get("loadAverageAtStart"),
        out.get("loadAverageAtEnd"));
    System.out.printf(
        Locale.ROOT,
        f,
        "topic written (keys + values)",
        String.format(
            Locale.ROOT,
            "%.1f MiB in %s s",
            ((long) write.get("keyBytes") + (long) write.get("valueBytes")) / 1048576.0,
            write.get("seconds")));
    System.out.printf(
        Locale.ROOT,
        f,
        "feed catch-up, first (cold) / median",
        mat.get("catchUpSecondsFirst")
            + " s ("
            + String.format(Locale.ROOT, "%,d", (long) mat.get("recordsPerSecondFirst"))
            + " records/s) / "
            + mat.get("catchUpSecondsMedian")
            + " s  "
            + mat.get("catchUpSecondsEach"));
    System.out.printf(
        Locale.ROOT,
        f,
        "heap before / after materializing (first)",
        mat.get("heapBeforeMiBFirst") + " / " + mat.get("heapAfterMiBFirst") + " MiB");
    System.out.printf(
        Locale.ROOT,
        f,
        "store + feed (after - before), median",
        mat.get("storeAndFeedMiBMedian") + " MiB  " + mat.get("storeAndFeedMiBEach"));
    System.out.printf(
        Locale.ROOT,
        f,
        "store alone (freed when dropped), median",
        mat.get("storeAloneMiBMedian") + " MiB  " + mat.get("storeAloneMiBEach"));
    System.out.printf(
        Locale.ROOT,
        f,
        "  per record / per key (all records included)",
        mat.get("bytesPerRecord") + " / " + mat.get("bytesPerKeyAllIncluded") + " bytes");
    System.out.printf(
        Locale.ROOT,
        f,
        "Tenancy.start (instance start-up, warm JVM)",
        inst.get("tenancyStartSeconds")
            + " s, "
            + inst.get("heapMiB")
            + " MiB held ("
            + inst.get("heapAfterLookupsMiB")
            + " after the lookups)");
    @SuppressWarnings("unchecked")
    Map<String, Object> usage = (Map<String, Object>) out.get("withKeyUsage");
    System.out.printf(
        Locale.ROOT,
        f,
        "+ lastUsedAt of every key used (key-usage)",
        String.format(
            Locale.ROOT,
            "%,d records: store alone %s MiB, %s bytes per record; catch-up %s s",
            (long) usage.get("keyUsageRecords"),
            usage.get("storeAloneMiB"),
            usage.get("bytesPerKeyUsageRecord"),
            usage.get("catchUpSeconds")));
    System.out.printf(
        Locale.ROOT,
        f,
        "authenticate, 1 thread",
        String.format(Locale.ROOT, "%,d/s", (long) auth.get("perSecond"))
            + " (p50 "
            + auth.get("p50Ns")
            + " ns, p99 "
            + auth.get("p99Ns")
            + " ns, p99.9 "
            + auth.get("p999Ns")
            + " ns, max "
            + auth.get("maxNs")
            + " ns)");
    System.out.printf(
        Locale.ROOT,
        f,
        "  mean / parts alone: header, tokens file, HMAC",
        auth.get("meanNs")
            + " / "
            + auth.get("bearerParseAloneNs")
            + ", "
            + auth.get("tokensFileFindAloneNs")
            + ", "
            + auth.get("hmacAloneNs")
            + " ns");
    System.out.printf(
        Locale.ROOT,
        f,
        "  unknown key (401 path)",
        String.format(Locale.ROOT, "%,d/s", (long) auth.get("unknownKeyPerSecond")));
    System.out.println();
  }

  private static Map<String, Object> ordered(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private static byte[] longBytes(long v) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (v >>> (8 * i));
    }
    return b;
  }

  private static double mib(long bytes) {
    return round(bytes / 1048576.0, 1);
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  private ControlPlaneBenchmark() {}
}
