package dev.gpilot.jobs;

import static dev.gpilot.jobs.internal.config.EnvValues.longOf;

import dev.gpilot.contracts.agents.AgentCatalog;
import dev.gpilot.jobs.agents.AgentOptions;
import dev.gpilot.jobs.costs.CostOptions;
import dev.gpilot.jobs.scheduler.SchedulerOptions;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Everything the MissionJob is configured with, checked when built. {@link #fromEnv(Map)} reads the
 * environment variables listed in SPEC.md.
 */
public record MissionJobOptions(
    String kafkaBootstrapServers,
    String clickhouseUrl,
    String clickhouseDatabase,
    String consumerGroupId,
    long simLatencyMs,
    int asyncCapacity,
    Duration stepTimeout,
    long bufferTimeoutMs,
    Duration missionRetention,
    int defaultMaxAttempts,
    Duration retryBaseDelay,
    AgentOptions agents,
    List<String> knownAgents,
    CostOptions costs,
    BudgetOptions budgets,
    int maxMissionsInFlight)
    implements Serializable {

  /**
   * Missions in flight (accepted, not yet ended) per scheduler subtask when {@code
   * GPILOT_JOB_MAX_MISSIONS_IN_FLIGHT} is not set: 4 × the agent executor's default capacity
   * ({@code GPILOT_ASYNC_CAPACITY}, 64 calls at once). A mission in flight has at most its ready
   * steps waiting for a call; four missions per call slot keep the calls busy while missions plan,
   * wait on dependencies or back off, and more would only queue steps (and their state) in the job.
   * On the laptop's two cores the calls, not the scheduler, are what a burst waits for.
   */
  public static final int DEFAULT_MAX_MISSIONS_IN_FLIGHT = 256;

  /**
   * The budget gate (SPEC.md section 11, "Budgets").
   *
   * @param enabled false: attempts go straight to the agents and no budget is enforced ({@code
   *     GPILOT_BUDGETS=off}, for measuring what the gate costs)
   * @param statusIntervalMs a budget's status goes to {@code gpilot.budget-status.v1} at most this
   *     often
   */
  public record BudgetOptions(boolean enabled, long statusIntervalMs) implements Serializable {
    public BudgetOptions {
      if (statusIntervalMs < 0) {
        throw new IllegalArgumentException(
            "GPILOT_BUDGET_STATUS_MS must be >= 0, got " + statusIntervalMs);
      }
    }

    static BudgetOptions fromEnv(Map<String, String> env) {
      String enabled = env.getOrDefault("GPILOT_BUDGETS", "on").strip();
      if (!enabled.equals("on") && !enabled.equals("off")) {
        throw new IllegalArgumentException(
            "GPILOT_BUDGETS must be on or off, got '" + enabled + "'");
      }
      return new BudgetOptions(enabled.equals("on"), longOf(env, "GPILOT_BUDGET_STATUS_MS", 250));
    }
  }

  public MissionJobOptions {
    Objects.requireNonNull(
        kafkaBootstrapServers, "set KAFKA_BOOTSTRAP_SERVERS to the Kafka brokers, host:port");
    Objects.requireNonNull(
        clickhouseUrl, "set CLICKHOUSE_URL to ClickHouse's HTTP endpoint, http://host:port");
    Objects.requireNonNull(clickhouseDatabase, "clickhouseDatabase");
    Objects.requireNonNull(consumerGroupId, "consumerGroupId");
    Objects.requireNonNull(agents, "agents");
    knownAgents = List.copyOf(knownAgents);
    if (simLatencyMs < 0) {
      throw new IllegalArgumentException("GPILOT_SIM_LATENCY_MS must be >= 0, got " + simLatencyMs);
    }
    if (asyncCapacity < 1) {
      throw new IllegalArgumentException(
          "GPILOT_ASYNC_CAPACITY must be >= 1, got " + asyncCapacity);
    }
    if (bufferTimeoutMs < 0) {
      throw new IllegalArgumentException(
          "GPILOT_BUFFER_TIMEOUT_MS must be >= 0, got " + bufferTimeoutMs);
    }
    Objects.requireNonNull(costs, "costs");
    Objects.requireNonNull(budgets, "budgets");
    if (maxMissionsInFlight < 1) {
      throw new IllegalArgumentException(
          "GPILOT_JOB_MAX_MISSIONS_IN_FLIGHT must be >= 1, got " + maxMissionsInFlight);
    }
  }

  public static MissionJobOptions fromEnv(Map<String, String> env) {
    int asyncCapacity = (int) longOf(env, "GPILOT_ASYNC_CAPACITY", 64);
    return new MissionJobOptions(
        env.get("KAFKA_BOOTSTRAP_SERVERS"),
        env.get("CLICKHOUSE_URL"),
        env.getOrDefault("CLICKHOUSE_DATABASE", "gpilot"),
        env.getOrDefault("GPILOT_JOB_GROUP_ID", "gpilot-mission-job"),
        longOf(env, "GPILOT_SIM_LATENCY_MS", 0),
        asyncCapacity,
        Duration.ofMillis(longOf(env, "GPILOT_STEP_TIMEOUT_MS", 120_000)),
        longOf(env, "GPILOT_BUFFER_TIMEOUT_MS", 0),
        Duration.ofDays(7),
        (int) longOf(env, "GPILOT_STEP_MAX_ATTEMPTS", 3),
        Duration.ofMillis(longOf(env, "GPILOT_RETRY_BASE_DELAY_MS", 1000)),
        AgentOptions.fromEnv(env, asyncCapacity),
        AgentCatalog.load(env).names(),
        CostOptions.fromEnv(env),
        BudgetOptions.fromEnv(env),
        (int)
            Math.min(
                Integer.MAX_VALUE,
                longOf(env, "GPILOT_JOB_MAX_MISSIONS_IN_FLIGHT", DEFAULT_MAX_MISSIONS_IN_FLIGHT)));
  }

  /** Defaults for everything but where the services are. */
  public static MissionJobOptions of(
      String kafkaBootstrapServers, String clickhouseUrl, String clickhouseDatabase) {
    return fromEnv(
        Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrapServers,
            "CLICKHOUSE_URL", clickhouseUrl,
            "CLICKHOUSE_DATABASE", clickhouseDatabase));
  }

  public MissionJobOptions withSimLatencyMs(long latencyMs) {
    return with(o -> o.simLatencyMs = latencyMs);
  }

  public MissionJobOptions withRetryBaseDelay(Duration delay) {
    return with(o -> o.retryBaseDelay = delay);
  }

  /** These options with other agents (e.g. Gemini at a stand-in's URL). */
  public MissionJobOptions withAgents(AgentOptions agentOptions) {
    return with(o -> o.agents = agentOptions);
  }

  /** These options with another cost pipeline configuration. */
  public MissionJobOptions withCosts(CostOptions costOptions) {
    return with(o -> o.costs = costOptions);
  }

  /** These options with another budget gate configuration. */
  public MissionJobOptions withBudgets(BudgetOptions budgetOptions) {
    return with(o -> o.budgets = budgetOptions);
  }

  /** These options with another bound on missions in flight per scheduler subtask. */
  public MissionJobOptions withMaxMissionsInFlight(int max) {
    return with(o -> o.maxMissionsInFlight = max);
  }

  /** These options with what {@code change} sets on a copy of them, checked as any are. */
  private MissionJobOptions with(Consumer<Copy> change) {
    Copy copy = new Copy(this);
    change.accept(copy);
    return copy.build();
  }

  /** A copy of the options' components, to change some before building options of them. */
  private static final class Copy {
    String kafkaBootstrapServers;
    String clickhouseUrl;
    String clickhouseDatabase;
    String consumerGroupId;
    long simLatencyMs;
    int asyncCapacity;
    Duration stepTimeout;
    long bufferTimeoutMs;
    Duration missionRetention;
    int defaultMaxAttempts;
    Duration retryBaseDelay;
    AgentOptions agents;
    List<String> knownAgents;
    CostOptions costs;
    BudgetOptions budgets;
    int maxMissionsInFlight;

    Copy(MissionJobOptions o) {
      kafkaBootstrapServers = o.kafkaBootstrapServers;
      clickhouseUrl = o.clickhouseUrl;
      clickhouseDatabase = o.clickhouseDatabase;
      consumerGroupId = o.consumerGroupId;
      simLatencyMs = o.simLatencyMs;
      asyncCapacity = o.asyncCapacity;
      stepTimeout = o.stepTimeout;
      bufferTimeoutMs = o.bufferTimeoutMs;
      missionRetention = o.missionRetention;
      defaultMaxAttempts = o.defaultMaxAttempts;
      retryBaseDelay = o.retryBaseDelay;
      agents = o.agents;
      knownAgents = o.knownAgents;
      costs = o.costs;
      budgets = o.budgets;
      maxMissionsInFlight = o.maxMissionsInFlight;
    }

    MissionJobOptions build() {
      return new MissionJobOptions(
          kafkaBootstrapServers,
          clickhouseUrl,
          clickhouseDatabase,
          consumerGroupId,
          simLatencyMs,
          asyncCapacity,
          stepTimeout,
          bufferTimeoutMs,
          missionRetention,
          defaultMaxAttempts,
          retryBaseDelay,
          agents,
          knownAgents,
          costs,
          budgets,
          maxMissionsInFlight);
    }
  }

  /** The scheduler's share of these options. */
  public SchedulerOptions schedulerOptions() {
    return new SchedulerOptions(
        Set.copyOf(knownAgents),
        defaultMaxAttempts,
        stepTimeout,
        retryBaseDelay,
        Duration.ofSeconds(30),
        missionRetention,
        agents.backend() == AgentOptions.Backend.GEMINI);
  }
}
