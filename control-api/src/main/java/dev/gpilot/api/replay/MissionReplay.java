package dev.gpilot.api.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.Sha256;
import dev.gpilot.contracts.json.Json;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./gpilot replay missions}: forks every finished mission submitted in {@code [from, to)}
 * onto a model through {@code POST /api/v1/missions/{id}/rerun}, at most {@code rate} forks a
 * second, oldest first, and records each one in the run's state file as soon as the API accepted
 * it, so an interrupted run resumes where it stopped ({@code --run <id>}). Each fork is asked for
 * under an Idempotency-Key of (run, original), so a retried or resumed request whose answer the
 * state file missed gets the same fork again, never a second one. Forks themselves are never
 * forked. A mission the API refuses to fork (409, 422) is recorded as skipped with the reason; an
 * authentication problem stops the run; an API that does not answer (or answers 429 or 5xx) is
 * retried with back-off, then the run stops, resumable.
 */
final class MissionReplay {
  /** The run's options, as the state file keeps them. */
  record Options(
      String runId,
      Instant from,
      Instant to,
      String model,
      String fromStep,
      long limit,
      double rate) {
    ObjectNode toJson() {
      ObjectNode json =
          Json.mapper()
              .createObjectNode()
              .put("runId", runId)
              .put("from", from.toString())
              .put("to", to.toString())
              .put("limit", limit)
              .put("rate", rate);
      if (model != null) {
        json.put("model", model);
      }
      if (fromStep != null) {
        json.put("fromStep", fromStep);
      }
      return json;
    }

    static Options fromJson(JsonNode json) {
      return new Options(
          json.get("runId").asText(),
          Instant.parse(json.get("from").asText()),
          Instant.parse(json.get("to").asText()),
          json.path("model").asText(null),
          json.path("fromStep").asText(null),
          json.path("limit").asLong(Long.MAX_VALUE),
          json.path("rate").asDouble(2));
    }
  }

  private static final String FINISHED = "COMPLETED,FAILED,CANCELLED,TIMED_OUT,BUDGET_EXCEEDED";
  private static final int MAX_TRIES = 6;

  private final ApiClient api;
  private final PrintStream out;
  private final Sleeper sleeper;

  /** Waits; tests pass one that does not. */
  interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  MissionReplay(ApiClient api, PrintStream out, Sleeper sleeper) {
    this.api = api;
    this.out = out;
    this.sleeper = sleeper;
  }

  /** The run ended early and can be resumed; its message says why. */
  static final class Stopped extends Exception {
    Stopped(String message) {
      super(message);
    }
  }

  /**
   * Runs (or resumes) the replay.
   *
   * @return the number of forks submitted by this invocation
   * @throws Stopped when the API refused the credential or did not answer; the state file holds
   *     what was done
   */
  int run(Options options, ReplayState state) throws Stopped, InterruptedException {
    List<JsonNode> candidates = finishedMissions(options);
    long doneBefore =
        candidates.stream().filter(m -> state.isDone(m.get("missionId").asText())).count();
    long todo =
        Math.min(candidates.size(), options.limit()) - Math.min(doneBefore, options.limit());
    out.printf(
        Locale.ROOT,
        "run %s: %d finished missions submitted in [%s, %s), %d done earlier; forking %s%s onto %s,"
            + " at most %s forks/s%n",
        options.runId(),
        candidates.size(),
        options.from(),
        options.to(),
        doneBefore,
        todo < 0 ? 0 : todo,
        options.limit() == Long.MAX_VALUE ? "" : " (limit " + options.limit() + ")",
        options.model() == null ? "each agent's own model" : options.model(),
        options.rate());
    long processed = doneBefore;
    int forked = 0;
    int skipped = 0;
    long started = System.nanoTime();
    long lastProgress = started;
    long intervalNanos = (long) (1_000_000_000L / options.rate());
    long next = started;
    for (JsonNode mission : candidates) {
      String id = mission.get("missionId").asText();
      if (state.isDone(id)) {
        continue;
      }
      if (processed >= options.limit()) {
        break;
      }
      long wait = next - System.nanoTime();
      if (wait > 0) {
        sleeper.sleep(wait / 1_000_000L);
      }
      next = Math.max(next + intervalNanos, System.nanoTime());
      ApiClient.Answer view = call(() -> api.get("/api/v1/missions/" + id), options);
      if (view.ok() && view.body().hasNonNull("rerunOf")) {
        state.skipped(
            id,
            "is-a-fork",
            "a fork of " + view.body().get("rerunOf").asText() + " is not forked again");
        skipped++;
        processed++;
        continue;
      }
      ObjectNode body = Json.mapper().createObjectNode();
      if (options.model() != null) {
        body.put("model", options.model());
      }
      if (options.fromStep() != null) {
        body.put("fromStep", options.fromStep());
      }
      // The same key for every try and every resume of this run: a fork the API made but the state
      // file missed
      // (a crash in between, a lost answer) is answered again, not made twice.
      String key = idempotencyKey(options.runId(), id);
      ApiClient.Answer answer =
          call(() -> api.post("/api/v1/missions/" + id + "/rerun", body.toString(), key), options);
      if (answer.ok()) {
        state.forked(id, answer.body().get("missionId").asText());
        forked++;
      } else {
        state.skipped(id, answer.problem(), answer.detail());
        out.printf("  %s skipped: %s %s%n", id, answer.status(), answer.detail());
        skipped++;
      }
      processed++;
      long now = System.nanoTime();
      if (now - lastProgress >= 2_000_000_000L) {
        lastProgress = now;
        progress(forked + skipped, todo, forked, skipped, now - started);
      }
    }
    progress(forked + skipped, todo, forked, skipped, System.nanoTime() - started);
    out.printf(
        "run %s: %d forks submitted now, %d skipped; state in %s; compare with ./gpilot replay report %s%n",
        options.runId(), forked, skipped, state.file(), options.runId());
    return forked;
  }

  /**
   * The Idempotency-Key of the fork of {@code originalId} in run {@code runId}: the same for every
   * try and resume of the run, another for another run or mission. The mission id is hashed, so any
   * id makes a valid key (1 to 255 visible ASCII characters; a run id has at most 64).
   */
  static String idempotencyKey(String runId, String originalId) {
    return "gpilot-replay:" + runId + ":" + Sha256.hex(originalId);
  }

  private void progress(long done, long total, int forked, int skipped, long elapsedNanos) {
    double seconds = elapsedNanos / 1e9;
    double rate = seconds > 0 ? done / seconds : 0;
    long left = Math.max(0, total - done);
    out.printf(
        Locale.ROOT,
        "  %d / %d (%.1f %%), %d forked, %d skipped, %.1f missions/s, ETA %s%n",
        done,
        total,
        total == 0 ? 100.0 : 100.0 * done / total,
        forked,
        skipped,
        rate,
        rate > 0 ? Math.round(left / rate) + " s" : "-");
  }

  /**
   * The finished missions submitted in [from, to), oldest first, from the missions list (newest
   * first).
   */
  private List<JsonNode> finishedMissions(Options options) throws Stopped, InterruptedException {
    List<JsonNode> found = new ArrayList<>();
    String cursor = null;
    long from = options.from().toEpochMilli();
    long to = options.to().toEpochMilli();
    while (true) {
      String path =
          "/api/v1/missions?limit=100&status="
              + ApiClient.query(FINISHED)
              + (cursor == null ? "" : "&cursor=" + ApiClient.query(cursor));
      ApiClient.Answer page = call(() -> api.get(path), options);
      if (!page.ok()) {
        throw new Stopped(
            "the API refused to list missions: " + page.status() + " " + page.detail());
      }
      boolean older = false;
      for (JsonNode m : page.body().get("missions")) {
        long submitted = m.get("submittedAt").asLong();
        if (submitted < from) {
          older = true;
          break;
        }
        if (submitted < to) {
          found.add(m);
        }
      }
      cursor = page.body().path("nextCursor").asText(null);
      if (older || cursor == null) {
        break;
      }
    }
    Collections.reverse(found);
    return found;
  }

  private interface Call {
    ApiClient.Answer send() throws ApiClient.Unreachable;
  }

  /**
   * One call, retried with back-off (1, 2, 4, 8, 16 s) while the API does not answer or answers 429
   * or 5xx.
   *
   * @throws Stopped after the last try, or at once for 401/403
   */
  private ApiClient.Answer call(Call call, Options options) throws Stopped, InterruptedException {
    String last = null;
    for (int attempt = 1; attempt <= MAX_TRIES; attempt++) {
      try {
        ApiClient.Answer answer = call.send();
        if (answer.status() == 401 || answer.status() == 403) {
          throw new Stopped(
              "the API refused the token: " + answer.status() + " " + answer.detail());
        }
        if (answer.status() != 429 && answer.status() < 500) {
          return answer;
        }
        last = answer.status() + " " + answer.detail();
      } catch (ApiClient.Unreachable e) {
        last = e.getMessage();
      }
      if (attempt < MAX_TRIES) {
        sleeper.sleep(1000L << (attempt - 1));
      }
    }
    throw new Stopped(last + "; resume with ./gpilot replay missions --run " + options.runId());
  }
}
