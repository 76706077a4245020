package dev.gpilot.jobs.agents;

import static dev.gpilot.jobs.internal.config.EnvValues.longOf;

import dev.gpilot.jobs.agents.gemini.DeploymentKey;
import dev.gpilot.jobs.agents.gemini.GeminiAgent;
import dev.gpilot.jobs.agents.gemini.GeminiOptions;
import dev.gpilot.jobs.agents.gemini.PromptLimits;
import dev.gpilot.jobs.vault.VaultKeyResolverOptions;
import java.io.Serializable;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.util.function.SerializableSupplier;

/**
 * Which agents run the steps and how calls are retried, checked when built; {@link #fromEnv} reads
 * the variables listed in SPEC.md ("Agents, usage and cost").
 *
 * @param backend {@code GPILOT_AGENTS}: {@code gemini} or {@code simulated}; by default Gemini when
 *     the deployment key ({@code GEMINI_API_KEY}, or the variable {@code GPILOT_DEPLOYMENT_KEY_ENV}
 *     names) or {@code GEMINI_BASE_URL} is set, else simulated
 * @param gemini how to reach Gemini; null for the simulated backend
 * @param retries {@code GPILOT_AGENT_RETRIES}: more calls after a retriable failure without a
 *     Retry-After, within one step attempt ({@link CallRetries})
 * @param retryInitialDelay {@code GPILOT_AGENT_RETRY_INITIAL_MS}: the first backoff, doubled each
 *     time; also the least wait after a Retry-After
 * @param retryMaxDelay {@code GPILOT_AGENT_RETRY_MAX_MS}: the longest backoff without a Retry-After
 */
public record AgentOptions(
    Backend backend,
    GeminiOptions gemini,
    int retries,
    Duration retryInitialDelay,
    Duration retryMaxDelay,
    VaultKeyResolverOptions vault)
    implements Serializable {

  /** What runs agent steps. */
  public enum Backend {
    /** Gemini through google-genai (or anything speaking its API at {@code GEMINI_BASE_URL}). */
    GEMINI,
    /**
     * No model: a fixed answer after {@code GPILOT_SIM_LATENCY_MS}; for benchmarks of the job
     * itself.
     */
    SIMULATED
  }

  public AgentOptions {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(retryInitialDelay, "retryInitialDelay");
    Objects.requireNonNull(retryMaxDelay, "retryMaxDelay");
    if (backend == Backend.GEMINI && gemini == null) {
      throw new IllegalArgumentException(
          "GPILOT_AGENTS=gemini needs GEMINI_API_KEY (and GEMINI_BASE_URL for a"
              + " Gemini-compatible server other than Google's)");
    }
    if (retries < 0) {
      throw new IllegalArgumentException("GPILOT_AGENT_RETRIES must be >= 0, got " + retries);
    }
    if (retryInitialDelay.isNegative() || retryMaxDelay.compareTo(retryInitialDelay) < 0) {
      throw new IllegalArgumentException(
          "GPILOT_AGENT_RETRY_INITIAL_MS must be >= 0 and <=" + " GPILOT_AGENT_RETRY_MAX_MS");
    }
  }

  /** Options without the vault: every workspace uses the deployment key. */
  public AgentOptions(
      Backend backend,
      GeminiOptions gemini,
      int retries,
      Duration retryInitialDelay,
      Duration retryMaxDelay) {
    this(backend, gemini, retries, retryInitialDelay, retryMaxDelay, null);
  }

  public static final AgentOptions SIMULATED =
      new AgentOptions(Backend.SIMULATED, null, 3, Duration.ofMillis(500), Duration.ofSeconds(10));

  /** Gemini with the default retries. */
  public static AgentOptions gemini(GeminiOptions gemini) {
    return new AgentOptions(
        Backend.GEMINI, gemini, 3, Duration.ofMillis(500), Duration.ofSeconds(10));
  }

  public AgentOptions withRetries(int count, Duration initialDelay, Duration maxDelay) {
    return new AgentOptions(backend, gemini, count, initialDelay, maxDelay, vault);
  }

  /** When the executor calls again within a step attempt. */
  public CallRetries callRetries() {
    return new CallRetries(retries, retryInitialDelay, retryMaxDelay);
  }

  /**
   * @param asyncCapacity the executor's capacity: the HTTP pool is sized to it
   */
  public static AgentOptions fromEnv(Map<String, String> env, int asyncCapacity) {
    // The key is looked for here, to choose the backend and stop early when it is missing, but not
    // kept: only the
    // variable's name travels in the job graph, and the task managers read the key from their own
    // environment.
    String keyVariable =
        Objects.requireNonNullElse(
            blankToNull(env.get("GPILOT_DEPLOYMENT_KEY_ENV")), "GEMINI_API_KEY");
    DeploymentKey deploymentKey = DeploymentKey.fromEnvironment(keyVariable);
    boolean hasKey = deploymentKey.resolve(env).isPresent();
    String baseUrl = blankToNull(env.get("GEMINI_BASE_URL"));
    String chosen = blankToNull(env.get("GPILOT_AGENTS"));
    Backend backend;
    if (chosen == null) {
      backend = hasKey || baseUrl != null ? Backend.GEMINI : Backend.SIMULATED;
    } else {
      try {
        backend = Backend.valueOf(chosen.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "GPILOT_AGENTS must be gemini or simulated, got '" + chosen + "'", e);
      }
    }
    GeminiOptions gemini = null;
    if (backend == Backend.GEMINI) {
      if (!hasKey) {
        throw new IllegalArgumentException(
            "the Gemini agents need "
                + keyVariable
                + " (set GPILOT_AGENTS=simulated"
                + " to run without a model)");
      }
      gemini =
          new GeminiOptions(
              deploymentKey,
              baseUrl,
              env.getOrDefault("GEMINI_API_VERSION", "v1beta"),
              Duration.ofMillis(longOf(env, "GEMINI_CALL_TIMEOUT_MS", 60_000)),
              Math.max(asyncCapacity, 5),
              Boolean.parseBoolean(env.getOrDefault("GEMINI_STREAMING", "false").strip()),
              (int) longOf(env, "GEMINI_STREAM_THREADS", 8),
              new PromptLimits(
                  (int)
                      longOf(
                          env, "GPILOT_PROMPT_MISSION_CHARS", PromptLimits.DEFAULT.missionChars()),
                  PromptLimits.DEFAULT.actionChars(),
                  PromptLimits.DEFAULT.parametersChars(),
                  (int)
                      longOf(
                          env,
                          "GPILOT_PROMPT_DEPENDENCY_CHARS",
                          PromptLimits.DEFAULT.perDependencyChars()),
                  (int)
                      longOf(
                          env,
                          "GPILOT_PROMPT_DEPENDENCIES_CHARS",
                          PromptLimits.DEFAULT.dependenciesChars())),
              blankToNull(env.get("GPILOT_AGENT_CATALOG")),
              blankToNull(env.get("GPILOT_PRICE_TABLE")));
    }
    // Workspaces' own keys come from the vault on the same Kafka cluster, sealed under the API's
    // master key.
    VaultKeyResolverOptions vault =
        backend == Backend.GEMINI && blankToNull(env.get("KAFKA_BOOTSTRAP_SERVERS")) != null
            ? VaultKeyResolverOptions.fromEnv(env)
            : null;
    return new AgentOptions(
        backend,
        gemini,
        (int) longOf(env, "GPILOT_AGENT_RETRIES", 3),
        Duration.ofMillis(longOf(env, "GPILOT_AGENT_RETRY_INITIAL_MS", 500)),
        Duration.ofMillis(longOf(env, "GPILOT_AGENT_RETRY_MAX_MS", 10_000)),
        vault);
  }

  /** Makes the agent on the task manager. */
  public SerializableSupplier<Agent> agentFactory(long simLatencyMs) {
    if (backend == Backend.SIMULATED) {
      return () -> new SimulatedAgent(simLatencyMs);
    }
    return GeminiAgent.factory(gemini, vault);
  }

  /**
   * Checks the catalog and price files now (on the client), so a bad file stops the job before it
   * starts.
   */
  public void validate() {
    if (backend == Backend.GEMINI) {
      GeminiAgent.prices(gemini)
          .requirePricesFor(GeminiAgent.catalog(gemini), java.time.Instant.now());
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
