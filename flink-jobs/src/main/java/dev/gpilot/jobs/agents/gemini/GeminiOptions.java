package dev.gpilot.jobs.agents.gemini;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How the job talks to Gemini, checked when built. It travels in the job graph to the executor's
 * tasks, so it holds no key: the deployment's key is named ({@link DeploymentKey#fromEnvironment})
 * and read on the task manager.
 *
 * @param deploymentKey where the deployment's key is: the variable named by {@code
 *     GPILOT_DEPLOYMENT_KEY_ENV} (default {@code GEMINI_API_KEY}) where the calls are made
 * @param baseUrl where Gemini is ({@code GEMINI_BASE_URL}); null for Google's endpoint
 * @param apiVersion the REST version in the path ({@code GEMINI_API_VERSION}, {@code v1beta})
 * @param callTimeout the timeout of one HTTP call ({@code GEMINI_CALL_TIMEOUT_MS})
 * @param maxConnections concurrent requests to Gemini per client: at least the executor's async
 *     capacity, or the HTTP pool (OkHttp allows 5 per host by default) becomes the bottleneck
 * @param streaming whether calls stream ({@code streamGenerateContent}) so that text deltas reach
 *     the {@link dev.gpilot.jobs.agents.DeltaListener} ({@code GEMINI_STREAMING}); each streaming
 *     call holds one of {@code streamThreads} threads while it reads
 * @param streamThreads threads that read streaming responses ({@code GEMINI_STREAM_THREADS})
 * @param promptLimits bounds on the prompt
 * @param catalogPath the agent catalog file ({@code GPILOT_AGENT_CATALOG}), null for the shipped
 *     one
 * @param pricesPath the price table file ({@code GPILOT_PRICE_TABLE}), null for the shipped one
 */
public record GeminiOptions(
    DeploymentKey deploymentKey,
    String baseUrl,
    String apiVersion,
    Duration callTimeout,
    int maxConnections,
    boolean streaming,
    int streamThreads,
    PromptLimits promptLimits,
    String catalogPath,
    String pricesPath)
    implements Serializable {

  public GeminiOptions {
    Objects.requireNonNull(deploymentKey, "deploymentKey");
    Objects.requireNonNull(apiVersion, "apiVersion");
    Objects.requireNonNull(callTimeout, "callTimeout");
    Objects.requireNonNull(promptLimits, "promptLimits");
    if (baseUrl != null && !baseUrl.matches("https?://\\S+")) {
      throw new IllegalArgumentException(
          "GEMINI_BASE_URL must be an http(s) URL, got '" + baseUrl + "'");
    }
    if (callTimeout.isNegative()
        || callTimeout.isZero()
        || callTimeout.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "GEMINI_CALL_TIMEOUT_MS must be > 0, got " + callTimeout.toMillis());
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
    }
    if (streamThreads < 1) {
      throw new IllegalArgumentException(
          "GEMINI_STREAM_THREADS must be >= 1, got " + streamThreads);
    }
  }

  /** Defaults around a key and a base URL (null: Google's). */
  public static GeminiOptions of(DeploymentKey deploymentKey, String baseUrl) {
    return new GeminiOptions(
        deploymentKey,
        baseUrl,
        "v1beta",
        Duration.ofSeconds(60),
        64,
        false,
        8,
        PromptLimits.DEFAULT,
        null,
        null);
  }

  public GeminiOptions withCallTimeout(Duration timeout) {
    return new GeminiOptions(
        deploymentKey,
        baseUrl,
        apiVersion,
        timeout,
        maxConnections,
        streaming,
        streamThreads,
        promptLimits,
        catalogPath,
        pricesPath);
  }

  public GeminiOptions withMaxConnections(int connections) {
    return new GeminiOptions(
        deploymentKey,
        baseUrl,
        apiVersion,
        callTimeout,
        connections,
        streaming,
        streamThreads,
        promptLimits,
        catalogPath,
        pricesPath);
  }

  public GeminiOptions withStreaming(boolean stream) {
    return new GeminiOptions(
        deploymentKey,
        baseUrl,
        apiVersion,
        callTimeout,
        maxConnections,
        stream,
        streamThreads,
        promptLimits,
        catalogPath,
        pricesPath);
  }
}
