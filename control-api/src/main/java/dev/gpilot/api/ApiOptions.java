package dev.gpilot.api;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The API's configuration, checked when built; {@link #fromEnv(Map)} reads the variables listed in SPEC.md.
 *
 * @param tokensFile the file of token digests ({@code <sha256-hex> <workspaceId> <subject>} per line)
 * @param clickhouseUrl ClickHouse's HTTP endpoint for the analytics endpoints; null: they answer 503
 * @param clickhouseDatabase the database the job writes to
 */
public record ApiOptions(
    String host, int port, String kafkaBootstrapServers, Path tokensFile, long maxMissionsInMemory,
    int streamWriterThreads, String clickhouseUrl, String clickhouseDatabase) {

  /** Options without ClickHouse (the analytics endpoints answer 503). */
  public ApiOptions(String host, int port, String kafkaBootstrapServers, Path tokensFile, long maxMissionsInMemory,
      int streamWriterThreads) {
    this(host, port, kafkaBootstrapServers, tokensFile, maxMissionsInMemory, streamWriterThreads, null, "gpilot");
  }

  public ApiOptions {
    Objects.requireNonNull(kafkaBootstrapServers, "set KAFKA_BOOTSTRAP_SERVERS to the Kafka brokers, host:port");
    Objects.requireNonNull(tokensFile, "set GPILOT_TOKENS_FILE to the API tokens file");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("GPILOT_API_PORT must be a port number, got " + port);
    }
    clickhouseUrl = clickhouseUrl == null || clickhouseUrl.isBlank() ? null : clickhouseUrl.strip();
    clickhouseDatabase = clickhouseDatabase == null || clickhouseDatabase.isBlank() ? "gpilot" : clickhouseDatabase;
  }

  /** These options with ClickHouse for the analytics endpoints. */
  public ApiOptions withClickHouse(String url, String database) {
    return new ApiOptions(host, port, kafkaBootstrapServers, tokensFile, maxMissionsInMemory, streamWriterThreads,
        url, database);
  }

  public static ApiOptions fromEnv(Map<String, String> env) {
    String home = env.getOrDefault("GPILOT_HOME", ".gpilot");
    return new ApiOptions(
        env.getOrDefault("GPILOT_API_HOST", "127.0.0.1"),
        Integer.parseInt(env.getOrDefault("GPILOT_API_PORT", "8080")),
        env.get("KAFKA_BOOTSTRAP_SERVERS"),
        Path.of(env.getOrDefault("GPILOT_TOKENS_FILE", home + "/api-tokens")),
        Long.parseLong(env.getOrDefault("GPILOT_API_MAX_MISSIONS", "200000")),
        Integer.parseInt(env.getOrDefault("GPILOT_API_STREAM_WRITERS", "8")),
        env.get("CLICKHOUSE_URL"),
        env.getOrDefault("CLICKHOUSE_DATABASE", "gpilot"));
  }
}
