package dev.gpilot.jobs.costs;

import dev.gpilot.contracts.Topics;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.kafka.KafkaClientConfigs;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.jobs.MissionJobOptions;
import dev.gpilot.jobs.sink.clickhouse.ClickHouseSinkOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The cost analytics part of the MissionJob (SPEC.md section 8):
 *
 * <pre>
 * gpilot.step-results.v1 (the job's step-results source: event time = finish time, idle-advancing watermarks)
 *   ─ cost records ─ keyBy(missionId) ─ CostTagger (drop re-sent ids, mark first records per mission)
 *                                                  ─┬─▶ gpilot.cost-records.v1
 *                                                   ├─▶ ClickHouse cost_records
 *          CostCombiner (local sums per key, minute) ◀─┘
 *   ─ keyBy(workspace, agent, model) ─ 1-minute event-time windows, allowed lateness ─▶ ClickHouse cost_rollup_1m
 * </pre>
 *
 * <p>Why it reads the step-results topic and not the executor's stream inside the job: the topic is
 * the record of every finished attempt, and its offsets are checkpointed together with the window
 * state. After a restore the windows see exactly the results after the checkpoint again, including
 * those of attempts the executor does not run again because their result was already in the topic;
 * the in-job stream would lose those from the windows. It shares the scheduler's source of that
 * topic (MissionJob): a source of its own fetched and parsed every result a second time.
 */
public final class CostPipeline {
  static final TypeInformation<CostRecord> COST_RECORD = CostRecordSerializer.TYPE;
  static final TypeInformation<TaggedCost> TAGGED = TaggedCostSerializer.TYPE;
  static final TypeInformation<CostSlice> SLICE = TypeInformation.of(CostSlice.class);
  static final TypeInformation<CostRollup> ROLLUP = TypeInformation.of(CostRollup.class);
  static final TypeInformation<CostTotals> TOTALS = TypeInformation.of(CostTotals.class);

  /** Records later than their window's allowed lateness. */
  static final OutputTag<CostSlice> STRAGGLERS = new OutputTag<>("cost-stragglers", SLICE);

  /**
   * How long the pipeline's records may wait in a network buffer before it is sent. The job's
   * default (0) sends every record at once, which the scheduler's latency needs; for costs it would
   * wake the next task for every step result, and at a few thousand results a second that costs the
   * missions' throughput more than the costs themselves. A full buffer still goes at once, so the
   * ingest rate does not suffer; costs show in seconds anyway.
   */
  static final long BUFFER_TIMEOUT_MS = 100;

  /**
   * Writers per ClickHouse table. Every insert is a new part, written as a file per column and
   * merged later, so fewer, larger parts cost ClickHouse less (docs/benchmarks/costs.md); one
   * writer still takes the ingest target, with every record crossing one more shuffle ({@link
   * TaggedCostSerializer}).
   */
  static final int CLICKHOUSE_WRITERS = 1;

  /** Distinct (workspace, agent, model, minute) keys a combiner holds at most before it flushes. */
  static final int COMBINER_MAX_KEYS = 10_000;

  private CostPipeline() {}

  /**
   * The step-results source's watermarks: event time = finish time, per partition, moving on when
   * traffic stops ({@link IdleAdvancingWatermarks}); none when {@code costs} is off (nothing else
   * in the job uses event time).
   */
  public static WatermarkStrategy<StepResult> watermarks(CostOptions costs) {
    return costs.enabled()
        ? IdleAdvancingWatermarks.strategy(costs.outOfOrderness(), costs.idleTimeout())
        : WatermarkStrategy.noWatermarks();
  }

  /**
   * Adds the cost pipeline to the job, reading {@code stepResults} (timed by their source with
   * {@link #watermarks}) and writing the production targets ({@link #targets}), unless {@code
   * options.costs()} turns it off.
   */
  public static void attach(DataStream<StepResult> stepResults, MissionJobOptions options) {
    attach(stepResults, options, targets(options));
  }

  /** Like {@link #attach(DataStream, MissionJobOptions)}, writing to {@code targets}. */
  public static void attach(
      DataStream<StepResult> stepResults, MissionJobOptions options, CostTargets targets) {
    if (options.costs().enabled()) {
      build(stepResults, options.costs(), targets, null);
    }
  }

  /**
   * The live job's targets: {@code gpilot.cost-records.v1} and the live tables, with the inserts'
   * batches of {@code options.costs()}.
   */
  public static CostTargets targets(MissionJobOptions options) {
    CostOptions costs = options.costs();
    return CostTargets.of(
        options.kafkaBootstrapServers(),
        new ClickHouseSinkOptions(
            options.clickhouseUrl(),
            options.clickhouseDatabase(),
            costs.maxBatchRows(),
            costs.flushInterval(),
            Duration.ofSeconds(10)),
        CostRows.RAW_TABLE,
        CostRows.ROLLUP_TABLE);
  }

  /**
   * The pipeline's operators over {@code stepResults}, writing to {@code targets}: the live job's
   * (streaming) and a replay's (BATCH mode, bounded input, {@link CostReplayJob}) are this same
   * graph. In BATCH mode keyed inputs are sorted, there are no checkpoints and every window fires
   * once at the end of the input; the sinks are idempotent (rows replace themselves by key, a
   * window's row by version), so a replay run twice leaves the same rows.
   *
   * @param repricer null to keep each result's own cost (live), else the replay's new prices
   * @return the tagged records (each attempt once), which the sinks write
   */
  public static DataStream<TaggedCost> build(
      DataStream<StepResult> stepResults,
      CostOptions costs,
      CostTargets targets,
      Repricer repricer) {
    // BATCH mode exchanges data in blocking partitions, which take no buffer timeout.
    boolean batch =
        stepResults.getExecutionEnvironment().getConfiguration().get(ExecutionOptions.RUNTIME_MODE)
            == RuntimeExecutionMode.BATCH;
    long bufferTimeout = batch ? -1 : BUFFER_TIMEOUT_MS;
    // A replay writes a ClickHouse table from every subtask: the writers chain to the tagger, where
    // one writer would
    // take every record through one more exchange (in BATCH mode written to disk and read back);
    // its inserts are large
    // (ClickHouseSinkOptions of CostReplayJob), so the parts stay few.
    int writers =
        batch ? stepResults.getExecutionEnvironment().getParallelism() : CLICKHOUSE_WRITERS;
    DataStream<TaggedCost> tagged =
        stepResults
            .flatMap(new StepResultCosts(repricer), COST_RECORD)
            .name("cost-step-results")
            .uid("cost-step-results")
            .setBufferTimeout(bufferTimeout)
            .keyBy(CostRecord::missionId, Types.STRING)
            .process(new CostTagger(costs.dedupeRetention()), TAGGED)
            .name("cost-tagger")
            .uid("cost-tagger")
            .setBufferTimeout(bufferTimeout);

    if (targets.records() != null) {
      tagged
          .map(TaggedCost::record, COST_RECORD)
          .name("cost-records")
          .uid("cost-records")
          .sinkTo(targets.records())
          .name("cost-records-sink")
          .uid("cost-records-sink");
    }

    tagged
        .sinkTo(targets.rawRows())
        .name("cost-records-clickhouse")
        .uid("cost-records-clickhouse")
        .setParallelism(writers);

    DataStream<CostSlice> slices =
        tagged
            .transform(
                "cost-combiner",
                SLICE,
                new CostCombiner(COMBINER_MAX_KEYS, costs.allowedLateness().toMillis()))
            .uid("cost-combiner")
            .setBufferTimeout(bufferTimeout);
    SingleOutputStreamOperator<CostRollup> windows = windows(slices, costs, bufferTimeout);
    DataStream<CostRollup> stragglers =
        windows
            .getSideOutput(STRAGGLERS)
            .map(CostRollup::straggler, ROLLUP)
            .name("cost-stragglers")
            .uid("cost-stragglers")
            .setBufferTimeout(bufferTimeout);
    windows
        .union(stragglers)
        .sinkTo(targets.rollupRows())
        .name("cost-rollups-clickhouse")
        .uid("cost-rollups-clickhouse")
        .setParallelism(writers);
    return tagged;
  }

  /**
   * Event-time tumbling 1-minute windows per (workspace, agent, model) with the allowed lateness;
   * records later than that go to {@link #STRAGGLERS}.
   */
  static SingleOutputStreamOperator<CostRollup> windows(
      DataStream<CostSlice> slices, CostOptions costs) {
    return windows(slices, costs, BUFFER_TIMEOUT_MS);
  }

  private static SingleOutputStreamOperator<CostRollup> windows(
      DataStream<CostSlice> slices, CostOptions costs, long bufferTimeout) {
    return slices
        .keyBy(new CostWindows.ByAgentModel(), Types.STRING)
        .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
        .allowedLateness(costs.allowedLateness())
        .sideOutputLateData(STRAGGLERS)
        .aggregate(new CostWindows.Sum(), new CostWindows.ToRollup(), TOTALS, TOTALS, ROLLUP)
        .name("cost-windows")
        .uid("cost-windows")
        .setBufferTimeout(bufferTimeout);
  }

  static KafkaSink<CostRecord> costRecordsSink(String bootstrapServers) {
    Properties producer = KafkaClientConfigs.flinkSinkProducer();
    // Billing integrations read in bulk: a little lingering makes bigger batches, and nobody waits
    // on a record.
    producer.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    producer.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    return KafkaSink.<CostRecord>builder()
        .setBootstrapServers(bootstrapServers)
        .setKafkaProducerConfig(producer)
        // At-least-once: a record re-sent after a restore has the same id; consumers keep one per
        // id.
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .setRecordSerializer(
            KafkaRecordSerializationSchema.<CostRecord>builder()
                .setTopic(Topics.COST_RECORDS)
                .setKeySerializationSchema(r -> r.workspaceId().getBytes(StandardCharsets.UTF_8))
                .setValueSerializationSchema(new JsonSchema())
                .build())
        .build();
  }

  /** Writes a cost record as its JSON contract. */
  private static final class JsonSchema implements SerializationSchema<CostRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] serialize(CostRecord element) {
      return CostRecordJson.write(element);
    }
  }
}
