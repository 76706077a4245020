package dev.gpilot.api;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The API's configuration, checked when built; {@link #fromEnv(Map)} reads the variables listed in
 * SPEC.md.
 *
 * @param tokensFile the file of token digests ({@code <sha256-hex> <workspaceId> <subject>} per
 *     line)
 * @param clickhouseUrl where the stored events of finished missions are read; null for none (then a
 *     mission is known only while it is in the topics and in memory)
 * @param streamMaxLagEvents how far a client whose connection accepts nothing may fall behind
 *     before it is dropped
 * @param streamHeartbeat how often idle streams get a heartbeat
 * @param feedStaleAfter how long a feed may go without having caught up with Kafka before {@code
 *     /health} says DOWN (it checks the topics' ends about every second)
 * @param maxStreamsPerWorkspace the workspace's stream quota ({@code GPILOT_QUOTA_STREAMS}): open
 *     streams (SSE and NDJSON) of one workspace on this instance; more are 429 {@code
 *     /problems/quota-exceeded}
 * @param maxStreams open streams on this instance, all workspaces; more are 429
 * @param maxMissionsInMemory missions held in memory at most (the least recently used go first)
 * @param maxMissionBytes encoded bytes of the missions held in memory at most
 * @param maxAcceptsInFlight missions this instance accepts at once (handed to Kafka, not yet
 *     acknowledged); more are 503 with {@code Retry-After}
 */
public record ApiOptions(
    String host,
    int port,
    String kafkaBootstrapServers,
    Path tokensFile,
    long maxMissionsInMemory,
    long maxMissionBytes,
    int streamWriterThreads,
    String clickhouseUrl,
    String clickhouseDatabase,
    long streamMaxLagEvents,
    Duration streamHeartbeat,
    Duration feedStaleAfter,
    int maxStreamsPerWorkspace,
    int maxStreams,
    int maxAcceptsInFlight) {

  /**
   * Feeds check the topics' ends every second, with a 2 s timeout: stale is a few seconds beyond
   * that.
   */
  public static final Duration DEFAULT_FEED_STALE_AFTER = Duration.ofSeconds(5);

  static final Duration MIN_FEED_STALE_AFTER = Duration.ofSeconds(1);

  /**
   * A stream costs a cursor and a connection, not a thread (SPEC section 9): 10,000 per instance
   * stays well within a default heap and file-descriptor limit; one workspace may hold a fifth of
   * them, so it cannot starve the others.
   */
  public static final int DEFAULT_MAX_STREAMS = 10_000;

  public static final int DEFAULT_MAX_STREAMS_PER_WORKSPACE = 2_000;

  /**
   * Ten full batches: a mission being accepted holds its encoded record (about 0.5 KiB) in the
   * producer's buffer, so this bounds that memory to a few MiB, far below the producer's 32 MiB.
   */
  public static final int DEFAULT_MAX_ACCEPTS_IN_FLIGHT = 10_000;

  /** A quarter of the heap `gpilot up` gives the API (768 MiB). */
  public static final long DEFAULT_MAX_MISSION_BYTES = 192L << 20;

  public ApiOptions {
    Objects.requireNonNull(
        kafkaBootstrapServers, "set KAFKA_BOOTSTRAP_SERVERS to the Kafka brokers, host:port");
    Objects.requireNonNull(tokensFile, "set GPILOT_TOKENS_FILE to the API tokens file");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("GPILOT_API_PORT must be a port number, got " + port);
    }
    if (maxMissionsInMemory < 1 || maxMissionBytes < maxMissionsInMemory) {
      throw new IllegalArgumentException(
          "GPILOT_API_MAX_MISSIONS must be at least 1 and GPILOT_API_MAX_MISSION_BYTES"
              + " at least that, got "
              + maxMissionsInMemory
              + " and "
              + maxMissionBytes);
    }
    if (streamWriterThreads < 1) {
      throw new IllegalArgumentException(
          "GPILOT_API_STREAM_WRITERS must be at least 1, got " + streamWriterThreads);
    }
    if (streamMaxLagEvents < 1) {
      throw new IllegalArgumentException(
          "GPILOT_STREAM_MAX_LAG must be at least 1, got " + streamMaxLagEvents);
    }
    Objects.requireNonNull(streamHeartbeat, "streamHeartbeat");
    Objects.requireNonNull(feedStaleAfter, "feedStaleAfter");
    if (maxStreamsPerWorkspace < 1 || maxStreams < maxStreamsPerWorkspace) {
      throw new IllegalArgumentException(
          "GPILOT_QUOTA_STREAMS must be at least 1 and at most "
              + "GPILOT_STREAM_MAX_PER_INSTANCE, got "
              + maxStreamsPerWorkspace
              + " and "
              + maxStreams);
    }
    if (feedStaleAfter.compareTo(MIN_FEED_STALE_AFTER) < 0) {
      throw new IllegalArgumentException(
          "GPILOT_HEALTH_FEED_STALE_MS must be at least "
              + MIN_FEED_STALE_AFTER.toMillis()
              + " (feeds check the topics' ends every second), got "
              + feedStaleAfter.toMillis());
    }
    if (maxAcceptsInFlight < 1) {
      throw new IllegalArgumentException(
          "GPILOT_API_MAX_ACCEPTS must be at least 1, got " + maxAcceptsInFlight);
    }
    if (clickhouseUrl != null && clickhouseDatabase == null) {
      clickhouseDatabase = "gpilot";
    }
  }

  /**
   * Without stored events (no ClickHouse), heartbeats every 15 s, a stalled client dropped 10,000
   * events behind.
   */
  public ApiOptions(
      String host,
      int port,
      String kafkaBootstrapServers,
      Path tokensFile,
      long maxMissionsInMemory,
      int streamWriterThreads) {
    this(
        host,
        port,
        kafkaBootstrapServers,
        tokensFile,
        maxMissionsInMemory,
        DEFAULT_MAX_MISSION_BYTES,
        streamWriterThreads,
        null,
        null,
        10_000,
        Duration.ofSeconds(15),
        DEFAULT_FEED_STALE_AFTER,
        DEFAULT_MAX_STREAMS_PER_WORKSPACE,
        DEFAULT_MAX_STREAMS,
        DEFAULT_MAX_ACCEPTS_IN_FLIGHT);
  }

  /** The same options reading stored events of finished missions from ClickHouse. */
  public ApiOptions withClickHouse(String url, String database) {
    return with(
        copy -> {
          copy.clickhouseUrl = url;
          copy.clickhouseDatabase = database;
        });
  }

  /** The same options with other bounds on the missions held in memory. */
  public ApiOptions withMissionCache(long maxMissions, long maxBytes) {
    return with(
        copy -> {
          copy.maxMissionsInMemory = maxMissions;
          copy.maxMissionBytes = maxBytes;
        });
  }

  /** The same options with other stream limits. */
  public ApiOptions withStreams(long maxLagEvents, Duration heartbeat) {
    return with(
        copy -> {
          copy.streamMaxLagEvents = maxLagEvents;
          copy.streamHeartbeat = heartbeat;
        });
  }

  /** The same options with another bound for a feed's staleness. */
  public ApiOptions withFeedStaleAfter(Duration staleAfter) {
    return with(copy -> copy.feedStaleAfter = staleAfter);
  }

  /** The same options with other bounds on open streams. */
  public ApiOptions withStreamLimits(int perWorkspace, int perInstance) {
    return with(
        copy -> {
          copy.maxStreamsPerWorkspace = perWorkspace;
          copy.maxStreams = perInstance;
        });
  }

  /** The same options with another bound on the missions accepted at once. */
  public ApiOptions withMaxAcceptsInFlight(int maxAccepts) {
    return with(copy -> copy.maxAcceptsInFlight = maxAccepts);
  }

  /** These options with {@code change} made to a copy of their components. */
  private ApiOptions with(Consumer<Copy> change) {
    Copy copy = new Copy(this);
    change.accept(copy);
    return copy.build();
  }

  /**
   * The components of an {@link ApiOptions}, to change some before building another: what the
   * {@code with...} methods share. {@link #build()} checks the result as the constructor does.
   */
  private static final class Copy {
    private final String host;
    private final int port;
    private final String kafkaBootstrapServers;
    private final Path tokensFile;
    private long maxMissionsInMemory;
    private long maxMissionBytes;
    private final int streamWriterThreads;
    private String clickhouseUrl;
    private String clickhouseDatabase;
    private long streamMaxLagEvents;
    private Duration streamHeartbeat;
    private Duration feedStaleAfter;
    private int maxStreamsPerWorkspace;
    private int maxStreams;
    private int maxAcceptsInFlight;

    private Copy(ApiOptions options) {
      host = options.host;
      port = options.port;
      kafkaBootstrapServers = options.kafkaBootstrapServers;
      tokensFile = options.tokensFile;
      maxMissionsInMemory = options.maxMissionsInMemory;
      maxMissionBytes = options.maxMissionBytes;
      streamWriterThreads = options.streamWriterThreads;
      clickhouseUrl = options.clickhouseUrl;
      clickhouseDatabase = options.clickhouseDatabase;
      streamMaxLagEvents = options.streamMaxLagEvents;
      streamHeartbeat = options.streamHeartbeat;
      feedStaleAfter = options.feedStaleAfter;
      maxStreamsPerWorkspace = options.maxStreamsPerWorkspace;
      maxStreams = options.maxStreams;
      maxAcceptsInFlight = options.maxAcceptsInFlight;
    }

    private ApiOptions build() {
      return new ApiOptions(
          host,
          port,
          kafkaBootstrapServers,
          tokensFile,
          maxMissionsInMemory,
          maxMissionBytes,
          streamWriterThreads,
          clickhouseUrl,
          clickhouseDatabase,
          streamMaxLagEvents,
          streamHeartbeat,
          feedStaleAfter,
          maxStreamsPerWorkspace,
          maxStreams,
          maxAcceptsInFlight);
    }
  }

  public static ApiOptions fromEnv(Map<String, String> env) {
    String home = env.getOrDefault("GPILOT_HOME", ".gpilot");
    return new ApiOptions(
        env.getOrDefault("GPILOT_API_HOST", "127.0.0.1"),
        Integer.parseInt(env.getOrDefault("GPILOT_API_PORT", "8080")),
        env.get("KAFKA_BOOTSTRAP_SERVERS"),
        Path.of(env.getOrDefault("GPILOT_TOKENS_FILE", home + "/api-tokens")),
        Long.parseLong(env.getOrDefault("GPILOT_API_MAX_MISSIONS", "200000")),
        Long.parseLong(
            env.getOrDefault(
                "GPILOT_API_MAX_MISSION_BYTES", String.valueOf(DEFAULT_MAX_MISSION_BYTES))),
        Integer.parseInt(env.getOrDefault("GPILOT_API_STREAM_WRITERS", "4")),
        env.get("CLICKHOUSE_URL"),
        env.getOrDefault("CLICKHOUSE_DATABASE", "gpilot"),
        Long.parseLong(env.getOrDefault("GPILOT_STREAM_MAX_LAG", "10000")),
        Duration.ofMillis(Long.parseLong(env.getOrDefault("GPILOT_STREAM_HEARTBEAT_MS", "15000"))),
        Duration.ofMillis(
            Long.parseLong(
                env.getOrDefault(
                    "GPILOT_HEALTH_FEED_STALE_MS",
                    String.valueOf(DEFAULT_FEED_STALE_AFTER.toMillis())))),
        // The workspace's stream quota; GPILOT_STREAM_MAX_PER_WORKSPACE is its former name.
        Integer.parseInt(
            env.getOrDefault(
                "GPILOT_QUOTA_STREAMS",
                env.getOrDefault(
                    "GPILOT_STREAM_MAX_PER_WORKSPACE",
                    String.valueOf(DEFAULT_MAX_STREAMS_PER_WORKSPACE)))),
        Integer.parseInt(
            env.getOrDefault(
                "GPILOT_STREAM_MAX_PER_INSTANCE", String.valueOf(DEFAULT_MAX_STREAMS))),
        Integer.parseInt(
            env.getOrDefault(
                "GPILOT_API_MAX_ACCEPTS", String.valueOf(DEFAULT_MAX_ACCEPTS_IN_FLIGHT))));
  }
}
