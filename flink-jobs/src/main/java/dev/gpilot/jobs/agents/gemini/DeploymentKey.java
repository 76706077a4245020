package dev.gpilot.jobs.agents.gemini;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the deployment's Gemini key comes from. It is part of {@link GeminiOptions}, which travels
 * in the job graph (serialized with the operators, kept by the JobManager, shown in its plan): so
 * in production it names the environment variable that holds the key, and the key is read where the
 * calls are made, on the task manager, when the agent is made in the executor's {@code open()}
 * ({@link #fromEnvironment}).
 */
public sealed interface DeploymentKey extends Serializable {

  /**
   * @param env the environment where the calls are made ({@code System.getenv()} on the task
   *     manager)
   * @return the key, or empty when there is none there
   */
  Optional<ApiKey> resolve(Map<String, String> env);

  /** The key in the environment variable {@code variable} of the process that makes the calls. */
  static DeploymentKey fromEnvironment(String variable) {
    return new FromEnvironment(variable);
  }

  /**
   * The key itself, serialized into the job graph with the operators: only for tests and benchmarks
   * against the Gemini stand-in, with a throwaway key. Never for a real key.
   */
  static DeploymentKey insecureInJobGraph(ApiKey key) {
    return new InJobGraph(key);
  }

  /** The key in an environment variable: only the variable's name travels. */
  record FromEnvironment(String variable) implements DeploymentKey {
    private static final long serialVersionUID = 1L;

    public FromEnvironment {
      Objects.requireNonNull(variable, "variable");
      if (!variable.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new IllegalArgumentException(
            "GPILOT_DEPLOYMENT_KEY_ENV must name an environment variable, got '" + variable + "'");
      }
    }

    @Override
    public Optional<ApiKey> resolve(Map<String, String> env) {
      String value = env.get(variable);
      return value == null || value.isBlank() ? Optional.empty() : Optional.of(ApiKey.of(value));
    }

    @Override
    public String toString() {
      return "$" + variable;
    }
  }

  /** A key carried in the job graph ({@link #insecureInJobGraph}). */
  record InJobGraph(ApiKey key) implements DeploymentKey {
    private static final long serialVersionUID = 1L;

    public InJobGraph {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public Optional<ApiKey> resolve(Map<String, String> env) {
      return Optional.of(key);
    }
  }
}
