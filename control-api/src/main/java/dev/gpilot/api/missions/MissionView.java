package dev.gpilot.api.missions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.contracts.events.BilledAttempt;
import dev.gpilot.contracts.events.MissionAccepted;
import dev.gpilot.contracts.events.MissionBudgetReached;
import dev.gpilot.contracts.events.MissionEnded;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.MissionResumed;
import dev.gpilot.contracts.events.PlanReady;
import dev.gpilot.contracts.events.StepCancelled;
import dev.gpilot.contracts.events.StepCompleted;
import dev.gpilot.contracts.events.StepEvent;
import dev.gpilot.contracts.events.StepFailed;
import dev.gpilot.contracts.events.StepReady;
import dev.gpilot.contracts.events.StepRetrying;
import dev.gpilot.contracts.events.StepSkipped;
import dev.gpilot.contracts.events.StepStarted;
import dev.gpilot.contracts.events.StepTransition;
import dev.gpilot.contracts.mission.MissionConfig;
import dev.gpilot.contracts.mission.MissionStatus;
import dev.gpilot.contracts.mission.MissionSubmitted;
import dev.gpilot.contracts.mission.Plan;
import dev.gpilot.contracts.mission.PlanStep;
import dev.gpilot.contracts.mission.StepStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What this API instance knows of one mission: its submission, its events in seq order without
 * duplicates, the state they add up to, and the open streams that follow it. Thread-safe: the feed
 * appends, handlers read and subscribe.
 */
public final class MissionView {
  /**
   * Follows a mission's events; called in seq order, never concurrently, with the view's lock held:
   * it must only note the event or wake something up, never block.
   */
  public interface Listener {
    void onEvent(MissionEvent event);
  }

  private final String missionId;
  private String workspaceId;
  private MissionSubmitted submitted;
  private final List<MissionEvent> events = new ArrayList<>();
  private final TreeMap<Long, MissionEvent> early = new TreeMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  /**
   * The encoded size of what this view holds (its request and events), what the store's byte bound
   * counts.
   */
  private long bytes;

  private MissionStatus status = MissionStatus.SUBMITTED;
  private final Map<String, StepView> steps = new LinkedHashMap<>();
  private String reason;
  private long submittedAt;
  private long startedAt;
  private long finishedAt;
  // What the mission's step attempts used and cost, summed over every billed event.
  private final MissionSpend spend = new MissionSpend();
  // From mission.accepted and plan.ready: what a fork of this mission needs when its submission is
  // not in memory.
  private String acceptedMission;
  private MissionConfig acceptedConfig;
  private String rerunOf;
  private Plan plan;

  MissionView(String missionId) {
    this.missionId = missionId;
  }

  public String missionId() {
    return missionId;
  }

  public synchronized String workspaceId() {
    return workspaceId;
  }

  public synchronized MissionSubmitted submitted() {
    return submitted;
  }

  synchronized void submitted(MissionSubmitted record) {
    if (submitted == null) {
      submitted = record;
      workspaceId = record.workspaceId();
      submittedAt = record.ts();
    }
  }

  /**
   * The {@linkplain MissionRequest#fingerprint fingerprint} of the request that made this mission:
   * the submission's, else recomputed from its {@code mission.accepted} event; null when this
   * instance holds neither (the mission was evicted and came back with later events only).
   */
  public synchronized String requestFingerprint() {
    if (submitted != null && submitted.requestHash() != null) {
      return submitted.requestHash();
    }
    return events.isEmpty() ? null : RequestFingerprints.ofAccepted(events.get(0));
  }

  /**
   * Adds an event and passes it to the listeners. Duplicates (a seq already seen) are dropped; an
   * event ahead of a gap waits until the gap fills.
   */
  synchronized void append(MissionEvent event) {
    append(event, 0);
  }

  /** {@link #append(MissionEvent)} with the event's encoded size, for the store's byte bound. */
  synchronized void append(MissionEvent event, int encodedBytes) {
    long next = events.size() + 1L;
    if (event.seq() < next || early.containsKey(event.seq())) {
      return;
    }
    bytes += encodedBytes;
    early.put(event.seq(), event);
    while (!early.isEmpty() && early.firstKey() == events.size() + 1L) {
      MissionEvent e = early.pollFirstEntry().getValue();
      events.add(e);
      apply(e);
      // Under the lock: listeners see events in seq order whichever thread appends (the feed, or a
      // load of stored
      // events), and one that subscribes sees each event either in eventsAfter or here.
      for (Listener l : listeners) {
        l.onEvent(e);
      }
    }
  }

  /**
   * Registers a listener for the events appended from now on; {@link #eventsAfter} has the ones
   * before.
   */
  public synchronized void subscribe(Listener listener) {
    listeners.add(listener);
  }

  public void unsubscribe(Listener listener) {
    listeners.remove(listener);
  }

  /** Whether a stream follows this mission now. */
  boolean followed() {
    return !listeners.isEmpty();
  }

  synchronized long bytes() {
    return bytes;
  }

  synchronized void addBytes(int encodedBytes) {
    bytes += encodedBytes;
  }

  public synchronized List<MissionEvent> eventsAfter(long afterSeq) {
    return eventsAfter(afterSeq, Integer.MAX_VALUE);
  }

  /** At most {@code max} events after {@code afterSeq}, in seq order. */
  public synchronized List<MissionEvent> eventsAfter(long afterSeq, int max) {
    int from = (int) Math.min(Math.max(afterSeq, 0), events.size());
    int to = (int) Math.min((long) from + max, events.size());
    return List.copyOf(events.subList(from, to));
  }

  /**
   * {@link #eventsAfter(long, int)} into a caller's array, without allocating: at most {@code
   * into.length} events after {@code afterSeq}, in seq order, from index 0.
   *
   * @return how many
   */
  public synchronized int eventsAfter(long afterSeq, MissionEvent[] into) {
    int from = (int) Math.min(Math.max(afterSeq, 0), events.size());
    int n = Math.min(into.length, events.size() - from);
    for (int i = 0; i < n; i++) {
      into[i] = events.get(from + i);
    }
    return n;
  }

  /** The seq of the last event in order (0 before the first). */
  public synchronized long lastSeq() {
    return events.size();
  }

  /**
   * Whether this view got events but not its first ones (it was evicted while live and came back
   * with later events): then its start must come from stored events. A mission just submitted has
   * no events and is not missing any.
   */
  public synchronized boolean missingFirstEvents() {
    return events.isEmpty() && !early.isEmpty();
  }

  public synchronized boolean finished() {
    return status.isTerminal();
  }

  public synchronized MissionStatus status() {
    return status;
  }

  private void apply(MissionEvent e) {
    if (workspaceId == null) {
      workspaceId = e.workspaceId();
    }
    if (e instanceof MissionAccepted accepted) {
      status = MissionStatus.PLANNING;
      acceptedMission = accepted.mission();
      acceptedConfig = accepted.config();
      rerunOf = accepted.rerunOf();
      if (submittedAt == 0) {
        submittedAt = e.ts();
      }
    } else if (e instanceof PlanReady ready) {
      status = MissionStatus.RUNNING;
      startedAt = e.ts();
      plan = ready.plan();
      for (PlanStep step : ready.plan().steps()) {
        steps.put(step.id(), new StepView(step.id(), step.agent(), step.dependsOn()));
      }
    } else if (e instanceof StepReady ready) {
      step(ready).status = StepStatus.READY;
    } else if (e instanceof StepStarted started) {
      step(started).started(started);
    } else if (e instanceof StepRetrying retrying) {
      step(retrying).retrying(retrying);
      spend.add(retrying);
    } else if (e instanceof StepCompleted completed) {
      step(completed)
          .finished(
              completed,
              completed.durationMs(),
              completed.output(),
              null,
              Boolean.TRUE.equals(completed.reused()));
      spend.add(completed);
    } else if (e instanceof StepFailed failed) {
      step(failed).finished(failed, failed.durationMs(), null, failed.reason(), false);
      spend.add(failed);
    } else if (e instanceof StepSkipped skipped) {
      step(skipped).finished(skipped, null, null, skipped.reason(), false);
    } else if (e instanceof StepCancelled cancelled) {
      step(cancelled).finished(cancelled, null, null, cancelled.reason(), false);
    } else if (e instanceof MissionBudgetReached reached) {
      status = MissionStatus.PAUSED;
      reason = reached.reason();
    } else if (e instanceof MissionResumed resumed) {
      status =
          resumed.status() == null
              ? MissionStatus.RUNNING
              : MissionStatus.valueOf(resumed.status());
      reason = null;
    } else if (e instanceof MissionEnded ended) {
      spend.ended(ended);
      status = ended.finalStatus();
      reason = ended.reason();
      finishedAt = e.ts();
      steps.values().forEach(StepView::cancelIfOpen);
    }
    // step.delta (model text) and types this reader does not know change nothing here.
  }

  private StepView step(StepEvent e) {
    return steps.computeIfAbsent(e.stepId(), id -> new StepView(id, e.agent(), List.of()));
  }

  /**
   * The mission this one is a fork of, or null: from its submission, else its {@code
   * mission.accepted} event.
   */
  public synchronized String rerunOf() {
    if (submitted != null && submitted.rerun() != null) {
      return submitted.rerun().of();
    }
    return rerunOf;
  }

  /**
   * What a fork of this mission starts from: its text and config as submitted, the plan it ran (the
   * adopted one, also when the Mission Overseer made it) and the outputs of the steps that
   * succeeded. Empty before the plan was adopted (or when it never was: the mission failed while
   * planning).
   */
  public synchronized java.util.Optional<ForkSource> forkSource() {
    String text = submitted != null ? submitted.mission() : acceptedMission;
    MissionConfig config = submitted != null ? submitted.config() : acceptedConfig;
    if (plan == null || text == null) {
      return java.util.Optional.empty();
    }
    Map<String, JsonNode> outputs = new LinkedHashMap<>();
    steps
        .values()
        .forEach(
            s -> {
              if (s.status == StepStatus.SUCCEEDED && s.output != null) {
                outputs.put(s.id, s.output);
              }
            });
    return java.util.Optional.of(
        new ForkSource(text, config == null ? MissionConfig.DEFAULT : config, plan, outputs));
  }

  /** See {@link #forkSource()}. */
  public record ForkSource(
      String mission, MissionConfig config, Plan plan, Map<String, JsonNode> succeeded) {}

  /** The mission as {@code GET /api/v1/missions/{id}} shows it. */
  public synchronized Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("missionId", missionId);
    json.put("workspaceId", workspaceId);
    json.put("status", status.name());
    String of = rerunOf();
    if (of != null) {
      json.put("rerunOf", of);
    }
    if (submitted != null) {
      json.put("mission", submitted.mission());
      json.put("config", submitted.config());
    }
    json.put("submittedAt", submittedAt);
    if (startedAt > 0) {
      json.put("startedAt", startedAt);
    }
    if (finishedAt > 0) {
      json.put("finishedAt", finishedAt);
      json.put("durationMs", finishedAt - submittedAt);
    }
    if (reason != null) {
      json.put("reason", reason);
    }
    json.put("steps", steps.values().stream().map(StepView::toJson).toList());
    json.put("usage", spend.usage());
    json.put("costMicros", spend.attemptsMicros());
    json.put("agentCosts", new LinkedHashMap<>(spend.agentCosts()));
    json.put("models", List.copyOf(spend.models()));
    if (status == MissionStatus.COMPLETED) {
      json.put("result", result());
    }
    json.put("lastSeq", events.size());
    return json;
  }

  private Map<String, JsonNode> result() {
    Map<String, JsonNode> result = new LinkedHashMap<>();
    Set<String> dependedOn = new HashSet<>();
    steps.values().forEach(s -> dependedOn.addAll(s.dependsOn));
    steps.values().stream()
        .filter(s -> !dependedOn.contains(s.id) && s.output != null)
        .forEach(s -> result.put(s.id, s.output));
    return result;
  }

  /** One step as the events tell it. */
  private static final class StepView {
    final String id;
    final String agent;
    final List<String> dependsOn;
    StepStatus status = StepStatus.PENDING;
    int attempts;
    long startedAt;
    long finishedAt;
    Long durationMs;
    JsonNode output;
    String error;
    // Model, usage and cost over the step's attempts: what its stream's data-step shows too.
    final StepSpend spend = new StepSpend();
    boolean reused;

    StepView(String id, String agent, List<String> dependsOn) {
      this.id = id;
      this.agent = agent;
      this.dependsOn = dependsOn;
    }

    void started(StepStarted e) {
      status = StepStatus.RUNNING;
      attempts = e.attempt();
      startedAt = e.ts();
    }

    /** The step ended (succeeded, failed, skipped or cancelled) with what its event says. */
    void finished(
        StepTransition e, Long durationMs, JsonNode output, String error, boolean reused) {
      status = StepStatus.valueOf(e.status());
      finishedAt = e.ts();
      this.durationMs = durationMs;
      this.output = output;
      this.error = error;
      this.reused = reused;
      if (e instanceof BilledAttempt billed) {
        spend.add(billed);
      }
    }

    void retrying(StepRetrying e) {
      status = StepStatus.READY;
      error = e.reason();
      spend.add(e);
    }

    void cancelIfOpen() {
      if (!status.isTerminal()) {
        status = StepStatus.CANCELLED;
      }
    }

    Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("id", id);
      json.put("agent", agent);
      json.put("status", status.name());
      json.put("attempts", attempts);
      json.put("dependsOn", dependsOn);
      if (startedAt > 0) {
        json.put("startedAt", startedAt);
      }
      if (finishedAt > 0) {
        json.put("finishedAt", finishedAt);
      }
      if (durationMs != null) {
        json.put("durationMs", durationMs);
      }
      if (output != null) {
        json.put("output", output);
      }
      if (error != null) {
        json.put("error", error);
      }
      if (spend.model() != null) {
        json.put("model", spend.model());
      }
      if (spend.usage() != null) {
        json.put("usage", spend.usage());
      }
      Long costMicros = spend.shownCostMicros(reused);
      if (costMicros != null) {
        json.put("costMicros", costMicros);
      }
      if (reused) {
        json.put("reused", true);
      }
      return json;
    }
  }
}
