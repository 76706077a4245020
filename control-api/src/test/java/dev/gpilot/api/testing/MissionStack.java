package dev.gpilot.api.testing;

import dev.gpilot.api.ApiOptions;
import dev.gpilot.api.ControlApi;
import dev.gpilot.api.auth.Principal;
import dev.gpilot.api.auth.TokenAuthenticator;
import dev.gpilot.jobs.LocalMissionJob;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.jobs.agents.AgentOptions;
import dev.gpilot.jobs.agents.gemini.ApiKey;
import dev.gpilot.jobs.agents.gemini.DeploymentKey;
import dev.gpilot.jobs.agents.gemini.GeminiOptions;
import dev.gpilot.standin.GeminiStandin;
import dev.gpilot.testing.ClickHouseTestServer;
import dev.gpilot.testing.KafkaTestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The in-process stack of an end-to-end test class, as a JUnit 5 extension on a static field: a
 * Kafka broker, a ClickHouse test database, optionally the Gemini stand-in, the MissionJob on a
 * MiniCluster and the {@link ControlApi} with the tokens given. Started before the class's first
 * test, shared by its tests, and closed after the last in the reverse order: API, job (cancelled
 * and awaited, so its sources do not outlive the broker), stand-in, ClickHouse database, broker.
 *
 * <pre>{@code
 * @RegisterExtension static final MissionStack STACK = MissionStack.builder()
 *     .standin(20).geminiKey("itcase-key").token(TOKEN, new Principal("default", "tester")).build();
 * }</pre>
 */
public final class MissionStack implements BeforeAllCallback, AfterAllCallback {
  private final KafkaTestBroker kafka = new KafkaTestBroker();
  private final ClickHouseTestServer clickhouse = new ClickHouseTestServer();
  private final Builder options;

  private GeminiStandin standin;
  private JobClient job;
  private ControlApi api;

  private MissionStack(Builder options) {
    this.options = options;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    kafka.beforeAll(context);
    clickhouse.beforeAll(context);
    if (options.standinLatencyMs != null) {
      standin = GeminiStandin.start(options.standinLatencyMs);
    }
    MissionJobOptions job =
        MissionJobOptions.of(kafka.bootstrapServers(), clickhouse.url(), clickhouse.database());
    if (options.agents != null) {
      job = job.withAgents(options.agents.create(this));
    }
    this.job =
        LocalMissionJob.start(
            options.job.apply(job),
            LocalMissionJob.localConfiguration(
                Files.createTempDirectory("checkpoints"), options.parallelism, 0, 1000));
    startApi();
  }

  private void startApi() throws Exception {
    ApiOptions api =
        new ApiOptions(
            "127.0.0.1",
            0,
            kafka.bootstrapServers(),
            Path.of("unused"),
            10_000,
            options.streamWriterThreads);
    if (options.apiClickHouse) {
      api = api.withClickHouse(clickhouse.url(), clickhouse.database());
    }
    this.api =
        new ControlApi(options.api.apply(api), TokenAuthenticator.of(Map.copyOf(options.tokens)))
            .start();
  }

  /**
   * Closes the API and starts a new one with the same options (on another port): what a redeploy
   * does.
   */
  public void restartApi() throws Exception {
    api.close();
    api = null;
    startApi();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      if (api != null) {
        api.close();
      }
      if (job != null) {
        cancelAndAwait(job);
      }
      if (standin != null) {
        standin.close();
      }
    } finally {
      clickhouse.afterAll(context);
      kafka.afterAll(context);
    }
  }

  /**
   * Waits for the cancelled job to stop: {@code cancel()} returns once acknowledged, its sources
   * may still run.
   */
  private static void cancelAndAwait(JobClient job) throws Exception {
    job.cancel().get(60, TimeUnit.SECONDS);
    try {
      job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException cancelled) {
      // A cancelled job's result is its cancellation.
    }
  }

  public KafkaTestBroker kafka() {
    return kafka;
  }

  public ClickHouseTestServer clickhouse() {
    return clickhouse;
  }

  /** The Gemini stand-in; throws if the stack was built without one. */
  public GeminiStandin standin() {
    return Objects.requireNonNull(standin, "build the stack with standin(latencyMs)");
  }

  public JobClient job() {
    return job;
  }

  public ControlApi api() {
    return api;
  }

  /** The API's base URL, {@code http://127.0.0.1:<port>}. */
  public String base() {
    return "http://127.0.0.1:" + api.port();
  }

  /**
   * A client of the API calling with {@code token} ({@code null}: none); it may be built before the
   * stack starts (in a static field), and follows the API when {@link #restartApi()} moves it.
   */
  public ApiClient client(String token) {
    return new ApiClient(this::base, token);
  }

  /** Builds the job's agents once the broker and the stand-in run. */
  @FunctionalInterface
  public interface AgentsFactory {
    AgentOptions create(MissionStack stack) throws Exception;
  }

  /** What a test can adjust; the defaults are those most ITCases used. */
  public static final class Builder {
    private Long standinLatencyMs;
    private AgentsFactory agents;
    private UnaryOperator<MissionJobOptions> job = UnaryOperator.identity();
    private UnaryOperator<ApiOptions> api = UnaryOperator.identity();
    private int parallelism = 2;
    private int streamWriterThreads = 4;
    private boolean apiClickHouse;
    private final Map<String, Principal> tokens = new LinkedHashMap<>();

    private Builder() {}

    /** Starts the Gemini stand-in answering after {@code latencyMs}. */
    public Builder standin(long latencyMs) {
      this.standinLatencyMs = latencyMs;
      return this;
    }

    /**
     * Gemini agents on the stand-in with this API key, retried 3 times from 50 ms to 500 ms apart.
     */
    public Builder geminiKey(String key) {
      return agents(
          stack ->
              AgentOptions.gemini(
                      GeminiOptions.of(
                          DeploymentKey.insecureInJobGraph(ApiKey.of(key)),
                          stack.standin().baseUrl()))
                  .withRetries(3, Duration.ofMillis(50), Duration.ofMillis(500)));
    }

    /**
     * The job's agents, built once the broker and the stand-in run (simulated agents when never
     * set).
     */
    public Builder agents(AgentsFactory agents) {
      this.agents = agents;
      return this;
    }

    /** Adjusts the job's options after the agents are set. */
    public Builder job(UnaryOperator<MissionJobOptions> job) {
      this.job = job;
      return this;
    }

    /** The MiniCluster's parallelism (2 by default). */
    public Builder parallelism(int parallelism) {
      this.parallelism = parallelism;
      return this;
    }

    /** The API's stream writer threads (4 by default). */
    public Builder streamWriterThreads(int threads) {
      this.streamWriterThreads = threads;
      return this;
    }

    /**
     * Adjusts the API's options, e.g. {@code o -> o.withClickHouse(...)}; see {@link
     * #apiClickHouse()}.
     */
    public Builder api(UnaryOperator<ApiOptions> api) {
      this.api = api;
      return this;
    }

    /** The API reads this class's ClickHouse database. */
    public Builder apiClickHouse() {
      this.apiClickHouse = true;
      return this;
    }

    public Builder token(String token, Principal principal) {
      tokens.put(token, principal);
      return this;
    }

    public MissionStack build() {
      if (tokens.isEmpty()) {
        throw new IllegalStateException("give the API at least one token(token, principal)");
      }
      return new MissionStack(this);
    }
  }
}
