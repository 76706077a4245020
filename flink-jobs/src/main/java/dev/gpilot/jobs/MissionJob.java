package dev.gpilot.jobs;

import dev.gpilot.contracts.TopicAdmin;
import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.budget.BudgetStatus;
import dev.gpilot.contracts.budget.LedgerEntry;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.JsonCodec;
import dev.gpilot.contracts.kafka.KafkaClientConfigs;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.plan.PlanValidator;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.contracts.tenancy.BudgetRecord;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import dev.gpilot.contracts.tenancy.WalletGrantRecord;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.jobs.agents.Agent;
import dev.gpilot.jobs.agents.AgentExecutor;
import dev.gpilot.jobs.agents.AgentOptions;
import dev.gpilot.jobs.agents.StepRequest;
import dev.gpilot.jobs.agents.gemini.GeminiOptions;
import dev.gpilot.jobs.budget.AttemptCostBound;
import dev.gpilot.jobs.budget.BudgetGate;
import dev.gpilot.jobs.budget.GateInput;
import dev.gpilot.jobs.budget.WalletLedgerRows;
import dev.gpilot.jobs.costs.CostPipeline;
import dev.gpilot.jobs.ingest.ContractDeserializer;
import dev.gpilot.jobs.ingest.SchedulerInput;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import dev.gpilot.jobs.scheduler.MissionScheduler;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSink;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSinkOptions;
import dev.gpilot.jobs.sink.clickhouse.MissionEventRows;
import dev.gpilot.jobs.sink.clickhouse.MissionSummaryRows;
import dev.gpilot.jobs.sink.clickhouse.RowEncoder;
import dev.gpilot.jobs.vault.AuditPipeline;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.flink.util.function.SerializableSupplier;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

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
 *    │          │   control plane (budgets) ┘ (keyBy workspaceId; signals ▶ mission-control)           │
 *    │          └─ summaries ────────▶ ClickHouse missions ◀─────────────────────────────────────────────┘
 *    └─ cost records ─ CostPipeline (SPEC.md section 8)
 * </pre>
 *
 * <p>{@code main} is the entry point on a Flink cluster (it uses the environment the cluster gives
 * it); {@link LocalMissionJob} runs the same graph on a local MiniCluster.
 */
public final class MissionJob {
  private final MissionJobOptions options;
  private final SerializableSupplier<Agent> agentFactory;

  /** The job with the agents its options select (Gemini, or simulated). */
  public MissionJob(MissionJobOptions options) {
    this(options, options.agents().agentFactory(options.simLatencyMs()));
  }

  /** The job with the given agents (tests and benchmarks count or fail calls through this). */
  public MissionJob(MissionJobOptions options, SerializableSupplier<Agent> agentFactory) {
    this.options = options;
    this.agentFactory = agentFactory;
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
   * Adds the job's operators to {@code env}, and nothing else: building the graph reaches no broker
   * or database (a client or a test may build it anywhere); the operators connect when the job
   * runs.
   */
  public void build(StreamExecutionEnvironment env) {
    env.setBufferTimeout(options.bufferTimeoutMs());

    DataStream<SchedulerInput> submissions =
        env.fromSource(
                source(options, Topics.MISSIONS, ContractDeserializer.missions()),
                WatermarkStrategy.noWatermarks(),
                "missions")
            .uid("missions-source");
    DataStream<StepResult> stepResultsIn = stepResults(env, options);
    DataStream<SchedulerInput> results =
        stepResultsIn
            .map(SchedulerInput::of, JsonTypeInfo.of(SchedulerInput.class))
            .name("step-results-input")
            .uid("step-results-input");
    DataStream<SchedulerInput> deltas =
        env.fromSource(
                source(options, Topics.STEP_DELTAS, ContractDeserializer.stepDeltas()),
                WatermarkStrategy.noWatermarks(),
                "step-deltas")
            .uid("step-deltas-source");
    DataStream<SchedulerInput> control =
        env.fromSource(
                source(options, Topics.MISSION_CONTROL, ContractDeserializer.control()),
                WatermarkStrategy.noWatermarks(),
                "mission-control")
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

    events
        .sinkTo(kafkaSink(Topics.MISSION_EVENTS, MissionEvent.class, MissionEvent::missionId))
        .name("mission-events-sink")
        .uid("mission-events-sink");

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
    DataStream<StepResult> stepResults =
        AsyncDataStream.unorderedWait(
                admitted,
                new AgentExecutor(
                        agentFactory,
                        options.kafkaBootstrapServers(),
                        options.consumerGroupId(),
                        agentOptions.callRetries())
                    .reportingCapacity(options.asyncCapacity()),
                backstopMs,
                TimeUnit.MILLISECONDS,
                options.asyncCapacity())
            .name("agent-executor")
            .uid("agent-executor");
    stepResults
        .sinkTo(kafkaSink(Topics.STEP_RESULTS, StepResult.class, StepResult::missionId))
        .name("step-results-sink")
        .uid("step-results-sink");

    // Stored events outlive the topic's retention: the API replays finished missions from them
    // (SPEC.md 9).
    // ClickHouse inserts block their thread (and retry while it is down): never on the scheduler's
    // thread, where
    // every insert would hold back the results and steps of all missions.
    events
        .sinkTo(
            new ClickHouseSink<MissionEvent>(
                ClickHouseSinkOptions.of(options.clickhouseUrl(), options.clickhouseDatabase()),
                MissionEventRows.TABLE,
                RowEncoder.tree(MissionEventRows::encode)))
        .name("mission-events-clickhouse")
        .uid("mission-events-clickhouse")
        .disableChaining();

    events
        .getSideOutput(MissionScheduler.SUMMARIES)
        .sinkTo(
            new ClickHouseSink<MissionSummary>(
                ClickHouseSinkOptions.of(options.clickhouseUrl(), options.clickhouseDatabase()),
                MissionSummaryRows.TABLE,
                RowEncoder.tree(MissionSummaryRows::encode)))
        .name("mission-summaries-clickhouse")
        .uid("mission-summaries-clickhouse")
        .disableChaining();

    AuditPipeline.build(env, options);
    CostPipeline.attach(stepResultsIn, options);
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
    // The whole compacted topic on a fresh start (the gate's state is empty); the checkpointed
    // offsets on a restore.
    KafkaSource<ControlPlaneRecord> controlPlane =
        KafkaSource.<ControlPlaneRecord>builder()
            .setBootstrapServers(options.kafkaBootstrapServers())
            .setTopics(Topics.CONTROL_PLANE)
            .setGroupId(options.consumerGroupId())
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setDeserializer(ContractDeserializer.controlPlane())
            .setProperty("isolation.level", "read_committed")
            .setProperty("fetch.max.wait.ms", "100")
            .build();
    TypeInformation<GateInput> gateInput = JsonTypeInfo.of(GateInput.class);
    DataStream<GateInput> budgets =
        env.fromSource(controlPlane, WatermarkStrategy.noWatermarks(), "control-plane")
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
                JsonTypeInfo.of(StepRequest.class))
            .name("budget-gate")
            .uid("budget-gate");
    admitted
        .getSideOutput(BudgetGate.SIGNALS)
        .sinkTo(kafkaSink(Topics.MISSION_CONTROL, MissionControl.class, MissionControl::missionId))
        .name("budget-signals-sink")
        .uid("budget-signals-sink");
    admitted
        .getSideOutput(BudgetGate.STATUSES)
        .sinkTo(kafkaSink(Topics.BUDGET_STATUS, BudgetStatus.class, BudgetStatus::key))
        .name("budget-status-sink")
        .uid("budget-status-sink");
    admitted
        .getSideOutput(BudgetGate.ALERTS)
        .sinkTo(kafkaSink(Topics.AUDIT, AuditEvent.class, AuditEvent::workspaceId))
        .name("budget-alerts-sink")
        .uid("budget-alerts-sink");
    admitted
        .getSideOutput(BudgetGate.LEDGER)
        .sinkTo(
            new ClickHouseSink<LedgerEntry>(
                ClickHouseSinkOptions.of(options.clickhouseUrl(), options.clickhouseDatabase()),
                WalletLedgerRows.TABLE,
                RowEncoder.tree(WalletLedgerRows::encode)))
        .name("wallet-ledger-clickhouse")
        .uid("wallet-ledger-clickhouse")
        .disableChaining();
    return admitted;
  }

  /**
   * The step results in {@code gpilot.step-results.v1}, read once for the scheduler and the cost
   * pipeline alike: both run in this job, so the source's offsets are checkpointed with the state
   * of both. When the cost pipeline is on, the source also carries its event time: a result's
   * finish time, with watermarks per partition ({@link CostPipeline#watermarks}).
   */
  public static DataStream<StepResult> stepResults(
      StreamExecutionEnvironment env, MissionJobOptions options) {
    return env.fromSource(
            source(options, Topics.STEP_RESULTS, ContractDeserializer.stepResults()),
            CostPipeline.watermarks(options.costs()),
            "step-results")
        .uid("step-results-source");
  }

  private static <T> KafkaSource<T> source(
      MissionJobOptions options, String topic, KafkaRecordDeserializationSchema<T> deserializer) {
    return KafkaSource.<T>builder()
        .setBootstrapServers(options.kafkaBootstrapServers())
        .setTopics(topic)
        .setGroupId(options.consumerGroupId())
        // A fresh job (no checkpoint) continues where the last one committed, never re-running old
        // missions.
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setDeserializer(deserializer)
        .setProperty("partition.discovery.interval.ms", "60000")
        .setProperty("fetch.max.wait.ms", "100")
        .build();
  }

  private <T> KafkaSink<T> kafkaSink(String topic, Class<T> type, KeyOf<T> key) {
    Properties producer = KafkaClientConfigs.flinkSinkProducer();
    producer.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    return KafkaSink.<T>builder()
        .setBootstrapServers(options.kafkaBootstrapServers())
        .setKafkaProducerConfig(producer)
        // At-least-once on purpose: transactional output would only show at the next checkpoint,
        // adding its
        // interval to every step and every streamed event. Consumers dedupe by (missionId, seq) /
        // (stepId, attempt).
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .setRecordSerializer(
            KafkaRecordSerializationSchema.<T>builder()
                .setTopic(topic)
                .setKeySerializationSchema(value -> key.of(value).getBytes(StandardCharsets.UTF_8))
                .setValueSerializationSchema(codecSchema(type))
                .build())
        .build();
  }

  private static <T> SerializationSchema<T> codecSchema(Class<T> type) {
    return new SerializationSchema<>() {
      private static final long serialVersionUID = 1L;
      private transient JsonCodec<T> codec;

      @Override
      public byte[] serialize(T element) {
        if (codec == null) {
          codec = JsonCodec.of(type);
        }
        return codec.encode(element);
      }
    };
  }

  /** The record key of a value. */
  interface KeyOf<T> extends Serializable {
    String of(T value);
  }
}
