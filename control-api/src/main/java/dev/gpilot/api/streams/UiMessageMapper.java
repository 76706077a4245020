package dev.gpilot.api.streams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.api.missions.MissionSpend;
import dev.gpilot.api.missions.StepSpend;
import dev.gpilot.contracts.events.BilledAttempt;
import dev.gpilot.contracts.events.MissionAccepted;
import dev.gpilot.contracts.events.MissionBudgetReached;
import dev.gpilot.contracts.events.MissionEnded;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.events.MissionResumed;
import dev.gpilot.contracts.events.PlanReady;
import dev.gpilot.contracts.events.StepCancelled;
import dev.gpilot.contracts.events.StepCompleted;
import dev.gpilot.contracts.events.StepFailed;
import dev.gpilot.contracts.events.StepReady;
import dev.gpilot.contracts.events.StepRetrying;
import dev.gpilot.contracts.events.StepSkipped;
import dev.gpilot.contracts.events.StepStarted;
import dev.gpilot.contracts.events.StepTextDelta;
import dev.gpilot.contracts.events.StepTransition;
import dev.gpilot.contracts.events.UnknownMissionEvent;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.mission.PlanStep;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps a mission's events, in seq order from seq 1, to the chunks of one assistant message in the
 * Vercel AI SDK's UI message stream protocol (v1): each chunk is one JSON object that validates
 * against the SDK's {@code uiMessageChunkSchema}, with no field the schema does not name. SPEC.md
 * section 9 has the table.
 *
 * <p>The mapping is a pure function of the event sequence: the same events give the same chunks, on
 * any API instance, live or replayed. That is what makes resuming by frame id exact (see {@link
 * SseEncoder}).
 *
 * <p>The SDK's message model is sequential: {@code start-step} opens a step, {@code finish-step}
 * closes it and drops every open text part. Mission steps may run in parallel, so each step
 * attempt's chunks form a group, and groups are written one at a time, in the order their steps
 * first appeared: the chunks of a step that runs while an earlier one is still open wait until that
 * one closes. Mission-level chunks ({@code data-plan}, {@code data-cost}, {@code message-metadata},
 * {@code error}, {@code finish}) are written at once. Not thread-safe: one per stream.
 *
 * <p>The message's {@code start} chunk is not the mapping of an event: it names the mission only,
 * so a stream sends it ({@link #start()}) as soon as it opens, before the mission has any event.
 */
public final class UiMessageMapper {
  /**
   * The most log lines a {@code data-log} part keeps (the oldest go first), so re-sending it stays
   * cheap.
   */
  static final int MAX_LOG_LINES = 50;

  private final String missionId;
  private final Map<String, Step> steps = new LinkedHashMap<>();
  private final Deque<Group> groups = new ArrayDeque<>();
  private final List<ObjectNode> logLines = new ArrayList<>();
  private boolean headOpen;
  private boolean finished;
  private String status = "SUBMITTED";
  private String reason;
  private Long durationMs;
  private final MissionSpend spend = new MissionSpend();
  private List<String> out;

  public UiMessageMapper(String missionId) {
    this.missionId = missionId;
  }

  /**
   * The message's first chunk, {@code start} (messageId = missionId, the metadata of a mission
   * without events): the same for every stream of the mission whatever its events, and sent before
   * them.
   */
  public String start() {
    ObjectNode start = chunk("start");
    start.put("messageId", missionId);
    start.set("messageMetadata", new UiMessageMapper(missionId).metadata());
    return start.toString();
  }

  /** Whether the mission's final event has been mapped (the message is finished). */
  public boolean finished() {
    return finished;
  }

  /**
   * The chunks (JSON text) for the next event, possibly none; they follow {@link #start()}. Events
   * must come in seq order without gaps, starting at seq 1; after the final event nothing more is
   * mapped.
   */
  public List<String> map(MissionEvent e) {
    out = new ArrayList<>(4);
    if (finished) {
      return out;
    }
    if (e instanceof MissionAccepted accepted) {
      status = "PLANNING";
      log(
          e,
          "info",
          accepted.rerunOf() == null
              ? "mission accepted"
              : "mission accepted: a rerun of " + accepted.rerunOf());
    } else if (e instanceof PlanReady ready) {
      planReady(ready);
    } else if (e instanceof StepReady ready) {
      stepUpdate(ready, ready.stepId(), ready.agent(), "READY", "ready");
    } else if (e instanceof StepStarted started) {
      stepStarted(started);
    } else if (e instanceof StepTextDelta delta) {
      stepDelta(delta);
    } else if (e instanceof StepCompleted c) {
      stepFinished(
          c,
          "SUCCEEDED",
          "completed",
          c.output(),
          Boolean.TRUE.equals(c.reused()),
          null,
          c.durationMs());
    } else if (e instanceof StepFailed f) {
      stepFinished(f, "FAILED", "failed", null, false, f.reason(), f.durationMs());
    } else if (e instanceof StepRetrying r) {
      stepFinished(r, "RETRYING", "will be retried", null, false, r.reason(), null);
    } else if (e instanceof StepSkipped s) {
      stepFinished(s, "SKIPPED", "skipped", null, false, s.reason(), null);
    } else if (e instanceof StepCancelled c) {
      stepFinished(c, "CANCELLED", "cancelled", null, false, c.reason(), null);
    } else if (e instanceof MissionBudgetReached reached) {
      budget(reached, true, "PAUSED", reached.budgetId(), reached.stepId(), reached.reason());
    } else if (e instanceof MissionResumed resumed) {
      budget(
          resumed,
          false,
          resumed.status() == null ? "RUNNING" : resumed.status(),
          resumed.budgetId(),
          null,
          null);
    } else if (e instanceof MissionEnded ended) {
      missionFinished(ended);
    } else if (e instanceof UnknownMissionEvent unknown && unknown.string("stepId") != null) {
      // A newer writer's step event: the step's part shows it, with the status it gives (if any).
      stepUpdate(
          unknown,
          unknown.string("stepId"),
          unknown.string("agent"),
          unknown.string("status"),
          e.type());
    } else {
      log(e, "info", e.type());
    }
    List<String> chunks = out;
    out = null;
    return chunks;
  }

  private void planReady(PlanReady e) {
    status = "RUNNING";
    ObjectNode data = Json.mapper().createObjectNode();
    data.put("missionId", missionId);
    ArrayNode planSteps = data.putArray("steps");
    if (e.plan() != null) {
      for (PlanStep s : e.plan().steps()) {
        ObjectNode step = planSteps.addObject();
        step.put("id", s.id());
        step.put("agent", s.agent());
        step.put("action", s.action());
        ArrayNode deps = step.putArray("dependsOn");
        s.dependsOn().forEach(deps::add);
        if (s.condition() != null) {
          step.put("condition", s.condition());
        }
        steps.computeIfAbsent(s.id(), id -> new Step(id, s.agent()));
      }
    }
    emit(data("plan", "plan", data));
    emit(data("cost", "cost", cost()));
    log(
        e,
        "info",
        "plan ready: " + planSteps.size() + (planSteps.size() == 1 ? " step" : " steps"));
    emit(metadataChunk());
  }

  /**
   * A step waits for a budget (the mission is PAUSED), or every waiting step got it (RUNNING
   * again): a {@code data-budget} part updated in place, a log line and the metadata's new status.
   */
  private void budget(
      MissionEvent e,
      boolean reached,
      String newStatus,
      String budgetId,
      String stepId,
      String reason) {
    status = newStatus;
    ObjectNode data = Json.mapper().createObjectNode();
    data.put("missionId", missionId);
    data.put("state", reached ? "reached" : "resumed");
    data.put("status", status);
    if (budgetId != null) {
      data.put("budgetId", budgetId);
    }
    if (reached && stepId != null) {
      data.put("stepId", stepId);
    }
    if (reached && reason != null) {
      data.put("reason", reason);
    }
    emit(data("budget", "budget", data));
    log(
        e,
        reached ? "warn" : "info",
        reached
            ? "paused: step "
                + stepId
                + " waits for budget '"
                + budgetId
                + "'"
                + (reason == null ? "" : ": " + reason)
            : "resumed: the budget covers the waiting steps");
    emit(metadataChunk());
  }

  private void stepStarted(StepStarted e) {
    Step s = step(e.stepId(), e.agent());
    s.attempt = e.attempt() == null ? s.attempt + 1 : e.attempt();
    s.streamed = null;
    s.reason = null;
    s.durationMs = null;
    stepUpdate(
        e,
        e.stepId(),
        e.agent(),
        "RUNNING",
        "started" + (s.attempt > 1 ? " (attempt " + s.attempt + ")" : ""));
  }

  /**
   * Model text of the running attempt; deltas of any other attempt, or after it ended, are dropped
   * (best effort).
   */
  private void stepDelta(StepTextDelta e) {
    Step s = step(e.stepId(), e.agent());
    if (e.text() == null
        || e.text().isEmpty()
        || !"RUNNING".equals(s.status)
        || (e.attempt() != null && e.attempt() != s.attempt)) {
      return;
    }
    text(s, e.text());
    if (s.streamed == null) {
      s.streamed = new StringBuilder();
    }
    s.streamed.append(e.text());
  }

  /**
   * The end of a step attempt: its text (the final output's when no delta came, the rest of it when
   * the last deltas were dropped), status, cost; closes its group.
   */
  private void stepFinished(
      StepTransition e,
      String newStatus,
      String what,
      JsonNode output,
      boolean reused,
      String reason,
      Long durationMs) {
    Step s = step(e.stepId(), e.agent());
    if (e instanceof StepCompleted) {
      String text = outputText(output);
      String streamed = s.streamed == null ? "" : s.streamed.toString();
      // Deltas are best effort: the last ones can reach the scheduler after the result. The text
      // part ends as the output's text whenever what streamed is its beginning.
      if (text != null && text.length() > streamed.length() && text.startsWith(streamed)) {
        text(s, text.substring(streamed.length()));
      }
    }
    if (s.textId != null) {
      emitStep(s, textChunk("text-end", s.textId));
      s.textId = null;
    }
    s.output = output != null ? output : s.output;
    s.reused = reused;
    s.reason = reason;
    s.durationMs = durationMs;
    boolean costed = false;
    if (e instanceof BilledAttempt attempt) {
      spend.add(attempt);
      s.spend.add(attempt);
      costed = attempt.usage() != null || attempt.costMicros() != null;
    }
    stepUpdate(
        e,
        e.stepId(),
        e.agent(),
        newStatus,
        what
            + (s.reused ? " (reused from the original: no model call, no cost)" : "")
            + (reason != null ? ": " + reason : ""));
    if (costed) {
      emit(data("cost", "cost", cost()));
      emit(metadataChunk());
    }
    closeGroup(s);
  }

  /**
   * A new status (or none: only a log line) for a step, as its {@code data-step} part updated in
   * place.
   */
  /** {@code newStatus} null keeps the step's status. */
  private void stepUpdate(
      MissionEvent e, String stepId, String agent, String newStatus, String line) {
    Step s = step(stepId, agent);
    if (newStatus != null) {
      s.status = newStatus;
    }
    if (agent != null) {
      s.agent = agent;
    }
    s.ts = e.ts();
    s.shown = true;
    emitStep(s, data("step", "step-" + s.id, s.toJson()));
    s.log.add(logLine(e, "FAILED".equals(s.status) ? "error" : "info", line));
    trim(s.log);
    ObjectNode log = Json.mapper().createObjectNode();
    log.put("scope", s.id);
    log.set("lines", Json.mapper().valueToTree(s.log));
    emitStep(s, data("log", "log-" + s.id, log));
  }

  private void missionFinished(MissionEnded e) {
    status = e.finalStatus().name();
    reason = e.reason();
    durationMs = e.durationMs();
    spend.ended(e);
    for (Step s : steps.values()) {
      if (s.textId != null) {
        emitStep(s, textChunk("text-end", s.textId));
        s.textId = null;
      }
      if (s.group != null) {
        s.group.closed = true;
        s.group = null;
      }
    }
    drain();
    // As GET /missions/{id} shows them: a step still open when the mission ended did not finish.
    // Every group is
    // written by now, so its data-step part exists and this updates it in place.
    for (Step s : steps.values()) {
      if (s.shown && !isTerminal(s.status)) {
        s.status = "CANCELLED";
        s.ts = e.ts();
        emit(data("step", "step-" + s.id, s.toJson()));
      }
    }
    log(
        e,
        "COMPLETED".equals(status) ? "info" : "error",
        "mission "
            + status.toLowerCase().replace('_', ' ')
            + (reason != null ? ": " + reason : ""));
    emit(metadataChunk());
    ObjectNode finish = chunk("finish");
    switch (status) {
      case "COMPLETED" -> finish.put("finishReason", "stop");
      case "CANCELLED" -> {
        ObjectNode abort = chunk("abort");
        abort.put("reason", "mission cancelled" + (reason != null ? ": " + reason : ""));
        emit(abort);
        finish.put("finishReason", "other");
      }
      default -> {
        ObjectNode error = chunk("error");
        error.put(
            "errorText",
            "mission "
                + status.toLowerCase().replace('_', ' ')
                + (reason != null ? ": " + reason : ""));
        emit(error);
        finish.put("finishReason", "error");
      }
    }
    emit(finish);
    finished = true;
  }

  private void text(Step s, String delta) {
    if (s.textId == null) {
      s.textId = "text-" + s.id + "-" + Math.max(s.attempt, 1);
      emitStep(s, textChunk("text-start", s.textId));
    }
    ObjectNode chunk = textChunk("text-delta", s.textId);
    chunk.put("delta", delta);
    emitStep(s, chunk);
  }

  // ---------------------------------------------------------------- groups

  /**
   * A chunk that belongs to a step's current group: written now if that group is open, else when it
   * opens.
   */
  private void emitStep(Step s, ObjectNode chunk) {
    if (s.group == null) {
      s.group = new Group();
      groups.addLast(s.group);
    }
    s.group.pending.add(chunk.toString());
    if (s.group == groups.peekFirst()) {
      drain();
    }
  }

  private void closeGroup(Step s) {
    if (s.group != null) {
      s.group.closed = true;
      s.group = null;
      drain();
    }
  }

  /**
   * Writes the head group's chunks, and each following group's once the one before it has closed.
   */
  private void drain() {
    while (!groups.isEmpty()) {
      Group head = groups.peekFirst();
      if (!headOpen) {
        out.add(chunk("start-step").toString());
        headOpen = true;
      }
      out.addAll(head.pending);
      head.pending.clear();
      if (!head.closed) {
        return;
      }
      out.add(chunk("finish-step").toString());
      groups.pollFirst();
      headOpen = false;
    }
  }

  private void emit(ObjectNode chunk) {
    out.add(chunk.toString());
  }

  // ---------------------------------------------------------------- chunks

  private static ObjectNode chunk(String type) {
    ObjectNode chunk = Json.mapper().createObjectNode();
    chunk.put("type", type);
    return chunk;
  }

  private static ObjectNode textChunk(String type, String id) {
    ObjectNode chunk = chunk(type);
    chunk.put("id", id);
    return chunk;
  }

  private static ObjectNode data(String name, String id, JsonNode data) {
    ObjectNode chunk = chunk("data-" + name);
    chunk.put("id", id);
    chunk.set("data", data);
    return chunk;
  }

  private ObjectNode metadataChunk() {
    ObjectNode chunk = chunk("message-metadata");
    chunk.set("messageMetadata", metadata());
    return chunk;
  }

  private ObjectNode metadata() {
    ObjectNode m = Json.mapper().createObjectNode();
    m.put("missionId", missionId);
    m.put("status", status);
    m.set("usage", Json.mapper().valueToTree(spend.usage()));
    m.put("costMicros", spend.totalMicros());
    if (durationMs != null) {
      m.put("durationMs", durationMs);
    }
    if (reason != null) {
      m.put("reason", reason);
    }
    return m;
  }

  private ObjectNode cost() {
    ObjectNode c = Json.mapper().createObjectNode();
    c.put("costMicros", spend.totalMicros());
    c.set("usage", Json.mapper().valueToTree(spend.usage()));
    c.set("agents", Json.mapper().valueToTree(spend.agentCosts()));
    return c;
  }

  private void log(MissionEvent e, String level, String text) {
    logLines.add(logLine(e, level, text));
    trim(logLines);
    ObjectNode log = Json.mapper().createObjectNode();
    log.put("scope", "mission");
    log.set("lines", Json.mapper().valueToTree(logLines));
    emit(data("log", "log-mission", log));
  }

  private static ObjectNode logLine(MissionEvent e, String level, String text) {
    ObjectNode line = Json.mapper().createObjectNode();
    line.put("seq", e.seq());
    line.put("ts", e.ts());
    line.put("level", level);
    line.put("text", text);
    return line;
  }

  private static void trim(List<ObjectNode> lines) {
    while (lines.size() > MAX_LOG_LINES) {
      lines.remove(0);
    }
  }

  private Step step(String stepId, String agent) {
    String id = stepId == null ? "unknown" : stepId;
    return steps.computeIfAbsent(id, k -> new Step(k, agent));
  }

  /**
   * The text a finished step shows: a string output, or its {@code text} field, or else its JSON.
   */
  static String outputText(JsonNode output) {
    if (output == null || output.isNull() || output.isMissingNode()) {
      return null;
    }
    if (output.isTextual()) {
      return output.asText();
    }
    JsonNode text = output.get("text");
    if (text != null && text.isTextual()) {
      return text.asText();
    }
    return output.toString();
  }

  private static boolean isTerminal(String stepStatus) {
    return switch (stepStatus) {
      case "SUCCEEDED", "FAILED", "SKIPPED", "CANCELLED" -> true;
      default -> false;
    };
  }

  /** The chunks of one step attempt, written between {@code start-step} and {@code finish-step}. */
  private static final class Group {
    final List<String> pending = new ArrayList<>();
    boolean closed;
  }

  /** One step as the stream shows it in its {@code data-step} part. */
  private static final class Step {
    final String id;
    final List<ObjectNode> log = new ArrayList<>();
    String agent;
    String status = "PENDING";
    int attempt;
    long ts;
    String reason;
    Long durationMs;
    JsonNode output;
    // Model, usage and cost over the step's attempts: what GET /api/v1/missions/{id} shows too.
    final StepSpend spend = new StepSpend();
    boolean reused;
    Group group;
    String textId;
    // The running attempt's text so far, from its deltas; null before the first.
    StringBuilder streamed;
    boolean shown;

    Step(String id, String agent) {
      this.id = id;
      this.agent = agent;
    }

    ObjectNode toJson() {
      ObjectNode json = Json.mapper().createObjectNode();
      json.put("stepId", id);
      json.put("agent", agent);
      json.put("status", status);
      json.put("attempt", attempt);
      json.put("ts", ts);
      if (reason != null) {
        json.put("reason", reason);
      }
      if (durationMs != null) {
        json.put("durationMs", durationMs);
      }
      if (spend.model() != null) {
        json.put("model", spend.model());
      }
      if (spend.usage() != null) {
        json.set("usage", Json.mapper().valueToTree(spend.usage()));
      }
      Long costMicros = spend.shownCostMicros(reused);
      if (costMicros != null) {
        json.put("costMicros", costMicros);
      }
      if (output != null) {
        json.set("output", output);
      }
      if (reused) {
        json.put("reused", true);
      }
      return json;
    }
  }
}
