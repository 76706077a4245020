package dev.gpilot.jobs;

import dev.gpilot.contracts.TopicAdmin;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.contracts.tenancy.BudgetRecord;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import dev.gpilot.contracts.tenancy.WalletGrantRecord;
import dev.gpilot.jobs.agents.Agent;
import dev.gpilot.jobs.agents.AgentCallOperator;
import dev.gpilot.jobs.agents.AgentExecutor;
import dev.gpilot.jobs.agents.AgentOptions;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.agents.gemini.GeminiOptions;
import dev.gpilot.jobs.budget.AttemptCostBound;
import dev.gpilot.jobs.budget.BudgetGate;
import dev.gpilot.jobs.budget.GateInput;
import dev.gpilot.jobs.costs.CostPipeline;
import dev.gpilot.jobs.ingest.SchedulerInput;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import dev.gpilot.jobs.scheduler.MissionScheduler;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSink;
import dev.gpilot.jobs.vault.AuditPipeline;
import dev.gpilot.plans.PlanValidator;
import java.util.Objects;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.flink.util.function.SerializableSupplier;

/**
 * The MissionJob: reads submissions and step results, schedules each mission's steps, runs them
 * through the agent executor and writes events, step results and mission summaries.
 *
 * <pre>
 * missions ─────────────────── (input 1; waits at the bound) ────┐
 * results, control, deltas ─── (input 2) ────────────────────────┴─ keyBy(missionId) ─ MissionScheduler ─┐
 *    │                                                                                                 │
 *    │          ┌─ events ───────────▶ gpilot.mission-events.v1, ClickHouse mission_events ◀───────────┤
 *    │          ├─ step requests ─ BudgetGate ─ AgentExecutor (async) ─▶ gpilot.step-results.v1 ◀──────┤
 *    │          │                                 └ streamed text ─▶ gpilot.step-deltas.v1 ◀───────────┤
 *    │          │   control plane (budgets) ┘ (keyBy workspaceId; signals ▶ mission-control)           │
 *    │          └─ summaries ────────▶ ClickHouse missions ◀─────────────────────────────────────────────┘
 *    └─ cost records ─ CostPipeline (SPEC.md section 8)
 * </pre>
 *
 * <p>The job composes what it is given: its {@link MissionSources} and {@link MissionSinks} (the
 * production ones are Kafka topics and ClickHouse tables; a test passes in-memory ones and runs the
 * same operators without a broker) and its agents. {@code main} is the entry point on a Flink
 * cluster (it uses the environment the cluster gives it); {@link LocalMissionJob} runs the same
 * graph on a local MiniCluster.
 */
public final class MissionJob {
  private final MissionJobOptions options;
  private final SerializableSupplier<Agent> agentFactory;
  private final MissionSources sources;
  private final MissionSinks sinks;

  /**
   * The production job: the agents its options select (Gemini, or simulated), Kafka, ClickHouse.
   */
  public MissionJob(MissionJobOptions options) {
    this(options, options.agents().agentFactory(options.simLatencyMs()));
  }

  /** The job with the given agents (tests and benchmarks count or fail calls through this). */
  public MissionJob(MissionJobOptions options, SerializableSupplier<Agent> agentFactory) {
    this(options, agentFactory, MissionSources.kafka(options), MissionSinks.production(options));
  }

  /**
   * The job reading {@code sources} and writing {@code sinks}, with the given agents. {@code
   * options} still set the operators (scheduler, executor, budget gate, cost pipeline); where the
   * services are matters only to the production sources and sinks.
   */
  public MissionJob(
      MissionJobOptions options,
      SerializableSupplier<Agent> agentFactory,
      MissionSources sources,
      MissionSinks sinks) {
    this.options = Objects.requireNonNull(options, "options");
    this.agentFactory = Objects.requireNonNull(agentFactory, "agentFactory");
    this.sources = Objects.requireNonNull(sources, "sources");
    this.sinks = Objects.requireNonNull(sinks, "sinks");
  }

  /**
   * The entry point on a Flink cluster ({@code flink run}, or {@code POST /jars/:id/run}): the
   * production settings ({@link MissionJobFlinkOptions}) under whatever the cluster's configuration
   * sets, the options from the environment of the process that runs {@code main} (SPEC.md section
   * 1, "Deployment").
   */
  public static void main(String[] args) throws Exception {
    MissionJobOptions options = MissionJobOptions.fromEnv(System.getenv());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    MissionJobFlinkOptions.applyTo(env);
    MissionJob job = new MissionJob(options);
    job.ensureTopics();
    job.build(env);
    env.execute("gpilot-mission-job");
  }

  /** Start-up, before the job runs: creates the topics it reads and writes that are missing. */
  public void ensureTopics() {
    TopicAdmin.ensureTopics(options.kafkaBootstrapServers());
  }

  /**
   * Adds the job's operators between its sources and sinks to {@code env}, and nothing else:
   * building the graph reaches no broker or database (a client or a test may build it anywhere);
   * the operators connect when the job runs.
   */
  public void build(StreamExecutionEnvironment env) {
    env.setBufferTimeout(options.bufferTimeoutMs());

    DataStream<SchedulerInput> submissions =
        env.fromSource(sources.missions(), WatermarkStrategy.noWatermarks(), "missions")
            .uid("missions-source");
    DataStream<StepResult> stepResultsIn = stepResults(env, sources.stepResults(), options);
    DataStream<SchedulerInput> results =
        stepResultsIn
            .map(SchedulerInput::of, JsonTypeInfo.of(SchedulerInput.class))
            .name("step-results-input")
            .uid("step-results-input");
    DataStream<SchedulerInput> deltas =
        env.fromSource(sources.deltas(), WatermarkStrategy.noWatermarks(), "step-deltas")
            .uid("step-deltas-source");
    DataStream<SchedulerInput> control =
        env.fromSource(sources.control(), WatermarkStrategy.noWatermarks(), "mission-control")
            .uid("mission-control-source");

    // Two inputs: missions, and everything else. A subtask runs at most maxMissionsInFlight
    // missions at once; more
    // wait in its state until one ends, while results, cancels and deltas of the running ones flow
    // (SPEC.md 4).
    SingleOutputStreamOperator<MissionEvent> events =
        submissions
            .keyBy(SchedulerInput::missionId, Types.STRING)
            .connect(results.union(control, deltas).keyBy(SchedulerInput::missionId, Types.STRING))
            .transform(
                "mission-scheduler",
                JsonTypeInfo.of(MissionEvent.class),
                new MissionScheduler(options.schedulerOptions(), options.maxMissionsInFlight()))
            .name("mission-scheduler")
            .uid("mission-scheduler");

    events.sinkTo(sinks.events()).name("mission-events-sink").uid("mission-events-sink");

    AgentOptions agentOptions = options.agents();
    agentOptions.validate();
    // Per-attempt timeouts belong to the scheduler (each step has its own); the operator's timeout
    // is a backstop.
    long backstopMs =
        Math.max(options.stepTimeout().toMillis(), PlanValidator.MAX_TIMEOUT_SECONDS * 1000L)
            + 60_000;
    // Retriable call failures (429, 5xx, timeouts) are called again within the step attempt by the
    // executor, which
    // sees the provider's Retry-After (Flink's AsyncRetryStrategy cannot); the step timeout bounds
    // them together.
    DataStream<StepRequest> admitted =
        options.budgets().enabled()
            ? budgetGate(env, events, stepResultsIn)
            : events.getSideOutput(MissionScheduler.STEP_REQUESTS);
    SingleOutputStreamOperator<StepResult> stepResults =
        admitted
            .transform(
                "agent-executor",
                JsonTypeInfo.of(StepResult.class),
                AgentCallOperator.factory(
                    new AgentExecutor(
                            agentFactory, sources.finishedAttempts(), agentOptions.callRetries())
                        .reportingCapacity(options.asyncCapacity()),
                    backstopMs,
                    options.asyncCapacity()))
            .uid("agent-executor");
    stepResults.sinkTo(sinks.stepResults()).name("step-results-sink").uid("step-results-sink");
    // Streamed model text, best effort: back to the scheduler through its topic, for step.delta.
    stepResults
        .getSideOutput(AgentCallOperator.DELTAS)
        .sinkTo(sinks.stepDeltas())
        .name("step-deltas-sink")
        .uid("step-deltas-sink");

    // Stored events outlive the topic's retention: the API replays finished missions from them
    // (SPEC.md 9).
    // ClickHouse inserts block their thread (and retry while it is down): never on the scheduler's
    // thread, where
    // every insert would hold back the results and steps of all missions.
    rows(events, sinks.eventRows(), "mission-events-clickhouse");
    rows(
        events.getSideOutput(MissionScheduler.SUMMARIES),
        sinks.summaryRows(),
        "mission-summaries-clickhouse");

    AuditPipeline.build(env, sources.audit(), sinks.auditRows());
    CostPipeline.attach(stepResultsIn, options, sinks.costs());
  }

  /**
   * The budget gate between the scheduler and the agents, keyed by workspace (SPEC.md section 11,
   * "Budgets"): it reads the attempts the scheduler starts, their results, the budgets on the
   * control plane and the missions that ended; it lets attempts through to the agents, tells
   * missions when an attempt waits or goes ({@code gpilot.mission-control.v1}), and writes budget
   * statuses and alerts.
   */
  private DataStream<StepRequest> budgetGate(
      StreamExecutionEnvironment env,
      SingleOutputStreamOperator<MissionEvent> events,
      DataStream<StepResult> results) {
    TypeInformation<GateInput> gateInput = JsonTypeInfo.of(GateInput.class);
    DataStream<GateInput> budgets =
        env.fromSource(sources.controlPlane(), WatermarkStrategy.noWatermarks(), "control-plane")
            .uid("control-plane-source")
            .flatMap(
                (ControlPlaneRecord r, Collector<GateInput> out) -> {
                  if (r instanceof BudgetRecord b) {
                    out.collect(new GateInput.Budget(b));
                  } else if (r instanceof WalletGrantRecord g) {
                    out.collect(new GateInput.Grant(g));
                  }
                },
                gateInput)
            .name("budgets")
            .uid("budgets");
    DataStream<GateInput> requests =
        events
            .getSideOutput(MissionScheduler.STEP_REQUESTS)
            .map(GateInput.Request::new, gateInput)
            .name("gate-requests")
            .uid("gate-requests");
    DataStream<GateInput> finished =
        results.map(GateInput.Result::new, gateInput).name("gate-results").uid("gate-results");
    DataStream<GateInput> ended =
        events
            .filter(MissionEvent::isFinal)
            .name("missions-ended")
            .uid("missions-ended")
            .map(
                e -> (GateInput) new GateInput.MissionEnded(e.workspaceId(), e.missionId()),
                gateInput)
            .name("gate-ended")
            .uid("gate-ended");
    // The catalog and prices the agents run with (simulated agents: the shipped ones, or their
    // scripted costs).
    GeminiOptions gemini = options.agents().gemini();
    AttemptCostBound bound =
        gemini == null
            ? new AttemptCostBound(null, null)
            : new AttemptCostBound(gemini.catalogPath(), gemini.pricesPath());
    SingleOutputStreamOperator<StepRequest> admitted =
        requests
            .union(finished, budgets, ended)
            .keyBy(GateInput::workspaceId, Types.STRING)
            .process(
                new BudgetGate(bound, options.budgets().statusIntervalMs()),
                // The async executor copies each request into its queue (object reuse): no JSON
                // round trip for a record nothing changes.
                JsonTypeInfo.immutable(StepRequest.class))
            .name("budget-gate")
            .uid("budget-gate");
    admitted
        .getSideOutput(BudgetGate.SIGNALS)
        .sinkTo(sinks.budgetSignals())
        .name("budget-signals-sink")
        .uid("budget-signals-sink");
    admitted
        .getSideOutput(BudgetGate.STATUSES)
        .sinkTo(sinks.budgetStatuses())
        .name("budget-status-sink")
        .uid("budget-status-sink");
    admitted
        .getSideOutput(BudgetGate.ALERTS)
        .sinkTo(sinks.budgetAlerts())
        .name("budget-alerts-sink")
        .uid("budget-alerts-sink");
    rows(admitted.getSideOutput(BudgetGate.LEDGER), sinks.ledgerRows(), "wallet-ledger-clickhouse");
    return admitted;
  }

  /**
   * How long encoded rows may wait in a network buffer on their way to a ClickHouse sink's task
   * ({@link #rows}). The job's default (0) sends every record at once, which the scheduler's
   * latency needs; rows are only batched again for an insert (ClickHouseSinkOptions), so sending
   * each on its own would wake the sink's task for every event and cost the missions' throughput. A
   * full buffer still goes at once.
   */
  static final long ROWS_BUFFER_TIMEOUT_MS = 100;

  /**
   * {@code rows} sunk into {@code sink} in a task of its own (uid {@code uid}): ClickHouse inserts
   * block their thread and retry while it is down, and must never hold back the operator that emits
   * the rows. A {@link ClickHouseSink}'s rows are encoded where they are emitted (chained to it,
   * uid {@code uid-rows}), so only their bytes cross the network to the sink's task ({@link
   * ClickHouseSink#encodedRows}); any other sink gets the records themselves.
   */
  private static <T> void rows(DataStream<T> rows, Sink<T> sink, String uid) {
    if (sink instanceof ClickHouseSink<T> clickhouse) {
      rows.map(clickhouse.rowEncoder(), PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
          .name(uid + "-rows")
          .uid(uid + "-rows")
          .setBufferTimeout(ROWS_BUFFER_TIMEOUT_MS)
          .sinkTo(clickhouse.encodedRows())
          .name(uid)
          .uid(uid)
          .disableChaining();
    } else {
      rows.sinkTo(sink).name(uid).uid(uid).disableChaining();
    }
  }

  /**
   * The step results in {@code gpilot.step-results.v1}, read once for the scheduler and the cost
   * pipeline alike: both run in this job, so the source's offsets are checkpointed with the state
   * of both. When the cost pipeline is on, the source also carries its event time: a result's
   * finish time, with watermarks per partition ({@link CostPipeline#watermarks}).
   */
  public static DataStream<StepResult> stepResults(
      StreamExecutionEnvironment env, MissionJobOptions options) {
    return stepResults(env, MissionSources.stepResults(options), options);
  }

  private static DataStream<StepResult> stepResults(
      StreamExecutionEnvironment env, Source<StepResult, ?, ?> source, MissionJobOptions options) {
    return env.fromSource(source, CostPipeline.watermarks(options.costs()), "step-results")
        .uid("step-results-source");
  }
}
