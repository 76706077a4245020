package dev.gpilot.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.budget.BudgetStatus;
import dev.gpilot.contracts.budget.LedgerEntry;
import dev.gpilot.contracts.cost.CostRecord;
import dev.gpilot.contracts.events.MissionEnded;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.StepCompleted;
import dev.gpilot.contracts.events.StepEvent;
import dev.gpilot.contracts.events.StepFailed;
import dev.gpilot.contracts.events.StepRetrying;
import dev.gpilot.contracts.events.StepTextDelta;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionControl;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.MissionSummary;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.step.StepDelta;
import dev.gpilot.contracts.step.StepResult;
import dev.gpilot.contracts.tenancy.ControlPlaneRecord;
import dev.gpilot.contracts.vault.AuditEvent;
import dev.gpilot.jobs.agents.AgentOptions;
import dev.gpilot.jobs.agents.FinishedAttempts;
import dev.gpilot.jobs.agents.SimulatedAgent;
import dev.gpilot.jobs.costs.CostRollup;
import dev.gpilot.jobs.costs.CostTargets;
import dev.gpilot.jobs.costs.TaggedCost;
import dev.gpilot.jobs.ingest.SchedulerInput;
import dev.gpilot.jobs.internal.serde.JsonTypeInfo;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The MissionJob's real graph (scheduler, budget gate, agent executor, cost pipeline, with the
 * production Flink settings) on a MiniCluster, composed with in-memory topics ({@link
 * MemoryTopics}) instead of Kafka and ClickHouse, and the simulated agent: what comes out of the
 * job's sinks for a mission that completes, one that is cancelled and one whose step fails after
 * its retries.
 */
class MissionJobInMemoryITCase {
  private static final int PARALLELISM = 2;

  @RegisterExtension
  static final MiniClusterExtension FLINK =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(PARALLELISM)
              .build());

  private static final String RUN = "in-memory-" + UUID.randomUUID() + "/";
  private static final String MISSIONS = RUN + "missions";
  private static final String CONTROL = RUN + "mission-control";
  private static final String STEP_RESULTS = RUN + "step-results";
  private static final String DELTAS = RUN + "step-deltas";
  private static final String EVENTS = RUN + "mission-events";
  private static final String SUMMARIES = RUN + "missions-table";
  private static final String COST_RECORDS = RUN + "cost-records";

  private static JobClient job;

  @BeforeAll
  static void start() throws Exception {
    MissionJobOptions options =
        MissionJobOptions.of("no-broker:1", "http://no-clickhouse:1", "gpilot")
            // Within an attempt, a retriable failure is called once more.
            .withAgents(
                AgentOptions.SIMULATED.withRetries(1, Duration.ofMillis(10), Duration.ofMillis(20)))
            .withRetryBaseDelay(Duration.ofMillis(50));
    MissionSources sources =
        new MissionSources(
            MemoryTopics.source(MISSIONS, JsonTypeInfo.of(SchedulerInput.class)),
            MemoryTopics.source(STEP_RESULTS, JsonTypeInfo.of(StepResult.class)),
            MemoryTopics.source(CONTROL, JsonTypeInfo.of(SchedulerInput.class)),
            MemoryTopics.source(DELTAS, JsonTypeInfo.of(SchedulerInput.class)),
            MemoryTopics.source(RUN + "control-plane", JsonTypeInfo.of(ControlPlaneRecord.class)),
            MemoryTopics.source(RUN + "audit", JsonTypeInfo.of(AuditEvent.class)),
            FinishedAttempts.NONE);
    MissionSinks sinks =
        new MissionSinks(
            MemoryTopics.<MissionEvent>sink(EVENTS),
            MemoryTopics.<StepResult>sink(STEP_RESULTS),
            // Streamed text goes back to the scheduler, as through its topic.
            MemoryTopics.<StepDelta>sink(DELTAS, SchedulerInput::of),
            MemoryTopics.<MissionEvent>sink(RUN + "mission-events-table"),
            MemoryTopics.<MissionSummary>sink(SUMMARIES),
            // The budget gate's signals go where the scheduler reads control commands, as in Kafka.
            MemoryTopics.<MissionControl>sink(CONTROL, SchedulerInput::of),
            MemoryTopics.<BudgetStatus>sink(RUN + "budget-status"),
            MemoryTopics.<AuditEvent>sink(RUN + "budget-alerts"),
            MemoryTopics.<LedgerEntry>sink(RUN + "wallet-ledger"),
            MemoryTopics.<AuditEvent>sink(RUN + "audit-table"),
            new CostTargets(
                MemoryTopics.<CostRecord>sink(COST_RECORDS),
                MemoryTopics.<TaggedCost>sink(RUN + "cost-records-table"),
                MemoryTopics.<CostRollup>sink(RUN + "cost-rollups-table")));

    Configuration conf = new Configuration();
    conf.set(
        CheckpointingOptions.CHECKPOINTS_DIRECTORY,
        Files.createTempDirectory("chk").toUri().toString());
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(500));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.configure(conf);
    env.setParallelism(PARALLELISM);
    MissionJobFlinkOptions.applyTo(env);
    new MissionJob(options, () -> new SimulatedAgent(0), sources, sinks).build(env);
    job = env.executeAsync("mission-job-in-memory");
  }

  @AfterAll
  static void stop() throws Exception {
    if (job != null) {
      JobClients.cancelAndAwait(job);
    }
    MemoryTopics.drop(RUN);
  }

  @Test
  void threeStepMission_completesInOrder_withEachStepsCostAndTheirSum() {
    String id =
        submit(
            step("s1", "agent-scout", "{\"costMicros\": 100}"),
            step("s2", "seo-analyst", "{\"costMicros\": 200}", "s1"),
            step("s3", "ui-auditor", "{\"costMicros\": 300}", "s2"));

    List<MissionEvent> events = awaitEnd(id);

    assertStory(
        events,
        "mission.accepted",
        "plan.ready",
        "step.ready s1#1",
        "step.started s1#1",
        "step.completed s1#1 100",
        "step.ready s2#1",
        "step.started s2#1",
        "step.completed s2#1 200",
        "step.ready s3#1",
        "step.started s3#1",
        "step.completed s3#1 300",
        "mission.completed 600");
    // s2 ran on s1's output: the scheduler passed the step's own output along.
    assertThat(((StepCompleted) events.get(7)).output().path("text").asText())
        .isEqualTo("seo-analyst finished: act s2");
    await()
        .atMost(Duration.ofMinutes(1))
        .untilAsserted(
            () ->
                assertThat(MemoryTopics.<MissionSummary>records(SUMMARIES))
                    .filteredOn(s -> s.missionId().equals(id) && s.status().isTerminal())
                    .extracting(
                        MissionSummary::status,
                        MissionSummary::stepsSucceeded,
                        MissionSummary::costMicros)
                    .contains(tuple(MissionStatus.COMPLETED, 3, 600L)));
    // The cost pipeline read the results back from their topic: one record per attempt.
    await()
        .atMost(Duration.ofMinutes(1))
        .untilAsserted(
            () ->
                assertThat(MemoryTopics.<CostRecord>records(COST_RECORDS))
                    .filteredOn(r -> r.missionId().equals(id))
                    .extracting(r -> r.stepId() + "#" + r.attempt() + " " + r.costMicros())
                    .containsExactlyInAnyOrder("s1#1 100", "s2#1 200", "s3#1 300"));
  }

  @Test
  void streamingStep_itsTextLeavesTheExecutorThroughTheDeltasSink_andBecomesStepDeltaEvents() {
    // The answer waits 2 s after the text, so the deltas are back at the scheduler before it.
    String id =
        submit(
            step(
                "s1",
                "agent-scout",
                "{\"costMicros\": 5, \"latencyMs\": 2000, \"stream\": [\"Laun\", \"ch \", \"note\"]}"));

    List<MissionEvent> events = awaitEnd(id);

    assertStory(
        events,
        "mission.accepted",
        "plan.ready",
        "step.ready s1#1",
        "step.started s1#1",
        "step.delta s1#1",
        "step.delta s1#1",
        "step.delta s1#1",
        "step.completed s1#1 5",
        "mission.completed 5");
    assertThat(events)
        .filteredOn(StepTextDelta.class::isInstance)
        .extracting(e -> ((StepTextDelta) e).text())
        .containsExactly("Laun", "ch ", "note");
    assertThat(((StepCompleted) events.get(7)).output().path("text").asText())
        .isEqualTo("Launch note");
  }

  @Test
  void cancelWhileAStepRuns_cancelsItAndTheStepsAfterIt_andTheMissionCostsNothing() {
    String id =
        submit(
            step("slow", "agent-scout", "{\"costMicros\": 100, \"latencyMs\": 600000}"),
            step("after", "seo-analyst", "{\"costMicros\": 200}", "slow"));
    await()
        .atMost(Duration.ofMinutes(1))
        .until(
            () -> eventsOf(id).stream().anyMatch(e -> describe(e).equals("step.started slow#1")));

    MemoryTopics.send(
        CONTROL,
        SchedulerInput.of(
            new MissionControl(
                MissionControl.CANCEL, id, "default", "test", System.currentTimeMillis())));

    List<MissionEvent> events = awaitEnd(id);
    assertStory(
        events,
        "mission.accepted",
        "plan.ready",
        "step.ready slow#1",
        "step.started slow#1",
        "step.cancelled slow#1",
        "step.cancelled after#1",
        "mission.cancelled 0");
  }

  @Test
  void stepFailingEveryAttempt_runsItsMaxAttempts_thenFailsTheMission_billedForEveryAttempt() {
    String id =
        submit(
            step("ok", "agent-scout", "{\"costMicros\": 10}"),
            new PlanStep(
                "flaky",
                "seo-analyst",
                "act flaky",
                parameters("{\"costMicros\": 7, \"failAttempts\": 99}"),
                List.of("ok"),
                null,
                null,
                3));

    List<MissionEvent> events = awaitEnd(id);

    assertStory(
        events,
        "mission.accepted",
        "plan.ready",
        "step.ready ok#1",
        "step.started ok#1",
        "step.completed ok#1 10",
        "step.ready flaky#1",
        "step.started flaky#1",
        "step.retrying flaky#1 7",
        "step.started flaky#2",
        "step.retrying flaky#2 7",
        "step.started flaky#3",
        "step.failed flaky#3 7",
        "mission.failed 31");
    assertThat(((StepFailed) events.get(11)).reason()).contains("simulated transient failure");
  }

  private static String submit(PlanStep... steps) {
    String id = UUID.randomUUID().toString();
    MissionConfig config =
        new MissionConfig(List.of(), new Plan(List.of(steps)), null, null, null, null, null, null);
    MemoryTopics.send(
        MISSIONS,
        SchedulerInput.of(
            new MissionSubmitted(
                id,
                "default",
                System.currentTimeMillis(),
                "in-memory mission",
                config,
                null,
                null,
                "test")));
    return id;
  }

  private static PlanStep step(String id, String agent, String simulate, String... dependsOn) {
    return new PlanStep(
        id, agent, "act " + id, parameters(simulate), List.of(dependsOn), null, null, null);
  }

  private static JsonNode parameters(String simulate) {
    try {
      return Json.mapper().readTree("{\"simulate\": " + simulate + "}");
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** The mission's events in seq order, once its final event is out (at most a minute). */
  private static List<MissionEvent> awaitEnd(String missionId) {
    await()
        .atMost(Duration.ofMinutes(1))
        .until(() -> eventsOf(missionId).stream().anyMatch(MissionEvent::isFinal));
    return eventsOf(missionId);
  }

  private static List<MissionEvent> eventsOf(String missionId) {
    return MemoryTopics.<MissionEvent>records(EVENTS).stream()
        .filter(e -> e.missionId().equals(missionId))
        .sorted(Comparator.comparingLong(MissionEvent::seq))
        .toList();
  }

  /**
   * The mission's events are exactly {@code expected} (each as {@link #describe} says it), in
   * order, with seqs 1, 2, 3... without a gap.
   */
  private static void assertStory(List<MissionEvent> events, String... expected) {
    assertThat(events).extracting(MissionJobInMemoryITCase::describe).containsExactly(expected);
    assertThat(events)
        .extracting(MissionEvent::seq)
        .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
  }

  /** Type, step and attempt, and the cost where the event carries one. */
  private static String describe(MissionEvent e) {
    Long cost = null;
    if (e instanceof StepCompleted c) {
      cost = c.costMicros();
    } else if (e instanceof StepFailed f) {
      cost = f.costMicros();
    } else if (e instanceof StepRetrying r) {
      cost = r.costMicros();
    } else if (e instanceof MissionEnded m) {
      cost = m.costMicros();
    }
    String step = e instanceof StepEvent s ? " " + s.stepId() + "#" + s.attempt() : "";
    return e.type() + step + (cost == null ? "" : " " + cost);
  }
}
