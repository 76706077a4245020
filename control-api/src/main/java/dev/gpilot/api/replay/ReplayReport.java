package dev.gpilot.api.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseMigrations;
import dev.gpilot.contracts.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./gpilot replay report <run>}: one comparison per (original, fork) pair of a batch replay
 * — status, cost, tokens, duration of each — printed with a summary, saved as JSON beside the run's
 * state, and written to ClickHouse's {@code replay_comparisons} (one row per pair, replaced by a
 * later report of the same run).
 */
final class ReplayReport {
  /** One pair as compared; a side's numbers are as the API shows the mission now. */
  record Row(
      String runId,
      String workspaceId,
      String originalId,
      String forkId,
      String model,
      String fromStep,
      String originalStatus,
      String forkStatus,
      long originalCostMicros,
      long forkCostMicros,
      long originalTokens,
      long forkTokens,
      long originalDurationMs,
      long forkDurationMs,
      long reportedAtMs) {

    boolean forkFinished() {
      return isFinished(forkStatus);
    }

    ObjectNode toJson() {
      ObjectNode json = Json.mapper().createObjectNode();
      json.put("run_id", runId)
          .put("workspace_id", workspaceId)
          .put("original_id", originalId)
          .put("fork_id", forkId)
          .put("model", model == null ? "" : model)
          .put("from_step", fromStep == null ? "" : fromStep)
          .put("original_status", originalStatus)
          .put("fork_status", forkStatus)
          .put("original_cost_micros", originalCostMicros)
          .put("fork_cost_micros", forkCostMicros)
          .put("original_tokens", originalTokens)
          .put("fork_tokens", forkTokens)
          .put("original_duration_ms", originalDurationMs)
          .put("fork_duration_ms", forkDurationMs)
          .put("reported_at_ms", reportedAtMs);
      return json;
    }
  }

  private final ApiClient api;
  private final PrintStream out;
  private final Clock clock;

  ReplayReport(ApiClient api, PrintStream out, Clock clock) {
    this.api = api;
    this.out = out;
    this.clock = clock;
  }

  static boolean isFinished(String status) {
    return switch (status) {
      case "COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT", "BUDGET_EXCEEDED" -> true;
      default -> false;
    };
  }

  /**
   * Compares every pair of the run, waiting up to {@code waitMs} for unfinished forks, prints the
   * table and summary, saves {@code <run>.report.json} beside the state file and writes the rows to
   * ClickHouse when {@code clickhouse} is given.
   *
   * @return the rows
   */
  List<Row> report(ReplayState state, long waitMs, ClickHouseClient clickhouse)
      throws ApiClient.Unreachable, InterruptedException {
    MissionReplay.Options options = MissionReplay.Options.fromJson(state.options());
    long deadline = clock.millis() + waitMs;
    List<Row> rows = new ArrayList<>();
    Map<String, Integer> skipped = new LinkedHashMap<>();
    for (ReplayState.Done done : state.done()) {
      if (done.fork() == null) {
        skipped.merge(done.skipped(), 1, Integer::sum);
        continue;
      }
      JsonNode original = view(done.original());
      JsonNode fork = view(done.fork());
      while (fork != null
          && !isFinished(fork.path("status").asText())
          && clock.millis() < deadline) {
        Thread.sleep(500);
        fork = view(done.fork());
      }
      rows.add(
          new Row(
              options.runId(),
              text(original, fork, "workspaceId"),
              done.original(),
              done.fork(),
              options.model(),
              options.fromStep(),
              status(original),
              status(fork),
              cost(original),
              cost(fork),
              tokens(original),
              tokens(fork),
              duration(original),
              duration(fork),
              clock.millis()));
    }
    print(options, rows, skipped);
    save(state, rows);
    if (clickhouse != null && !rows.isEmpty()) {
      ClickHouseMigrations.apply(clickhouse);
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      for (Row row : rows) {
        body.writeBytes(row.toJson().toString().getBytes(StandardCharsets.UTF_8));
        body.write('\n');
      }
      clickhouse.insert("replay_comparisons", List.of(), "JSONEachRow", body.toByteArray());
      out.printf(
          "%d rows written to ClickHouse %s.replay_comparisons%n",
          rows.size(), clickhouse.database());
    }
    return rows;
  }

  /** The mission as the API shows it; null when it is gone (404). */
  private JsonNode view(String missionId) throws ApiClient.Unreachable {
    ApiClient.Answer answer = api.get("/api/v1/missions/" + missionId);
    return answer.ok() ? answer.body() : null;
  }

  private static String text(JsonNode a, JsonNode b, String field) {
    JsonNode source = a != null ? a : b;
    return source == null ? "" : source.path(field).asText("");
  }

  private static String status(JsonNode m) {
    return m == null ? "UNKNOWN" : m.path("status").asText("UNKNOWN");
  }

  private static long cost(JsonNode m) {
    return m == null ? 0 : m.path("costMicros").asLong(0);
  }

  private static long tokens(JsonNode m) {
    return m == null ? 0 : m.path("usage").path("totalTokens").asLong(0);
  }

  private static long duration(JsonNode m) {
    return m == null ? 0 : m.path("durationMs").asLong(0);
  }

  private void print(MissionReplay.Options options, List<Row> rows, Map<String, Integer> skipped) {
    out.printf(
        "%-36s  %-36s  %-9s  %-9s  %12s  %12s  %9s  %9s  %8s  %8s%n",
        "original",
        "fork",
        "status",
        "fork",
        "cost µcr",
        "fork cost",
        "tokens",
        "fork",
        "ms",
        "fork ms");
    for (Row r : rows) {
      out.printf(
          "%-36s  %-36s  %-9s  %-9s  %12d  %12d  %9d  %9d  %8d  %8d%n",
          r.originalId(),
          r.forkId(),
          r.originalStatus(),
          r.forkStatus(),
          r.originalCostMicros(),
          r.forkCostMicros(),
          r.originalTokens(),
          r.forkTokens(),
          r.originalDurationMs(),
          r.forkDurationMs());
    }
    List<Row> finished = rows.stream().filter(Row::forkFinished).toList();
    long sameStatus =
        finished.stream().filter(r -> r.originalStatus().equals(r.forkStatus())).count();
    long oc = finished.stream().mapToLong(Row::originalCostMicros).sum();
    long fc = finished.stream().mapToLong(Row::forkCostMicros).sum();
    long ot = finished.stream().mapToLong(Row::originalTokens).sum();
    long ft = finished.stream().mapToLong(Row::forkTokens).sum();
    long od = finished.stream().mapToLong(Row::originalDurationMs).sum();
    long fd = finished.stream().mapToLong(Row::forkDurationMs).sum();
    int n = Math.max(1, finished.size());
    out.printf(
        "run %s onto %s%s: %d pairs, %d forks finished, %d skipped %s%n",
        options.runId(),
        options.model() == null ? "each agent's own model" : options.model(),
        options.fromStep() == null ? "" : " from step " + options.fromStep(),
        rows.size(),
        finished.size(),
        skipped.values().stream().mapToInt(Integer::intValue).sum(),
        skipped.isEmpty() ? "" : skipped);
    out.println("  over the finished forks:     original          fork         delta");
    out.printf(Locale.ROOT, "  cost (micro-credits) %14d %13d %13s%n", oc, fc, delta(oc, fc));
    out.printf(Locale.ROOT, "  tokens               %14d %13d %13s%n", ot, ft, delta(ot, ft));
    out.printf(
        Locale.ROOT, "  duration (avg ms)    %14d %13d %13s%n", od / n, fd / n, delta(od, fd));
    out.printf("  status: %d the same, %d different%n", sameStatus, finished.size() - sameStatus);
  }

  private static String delta(long before, long after) {
    if (before == 0) {
      return after == 0 ? "0" : "+" + after;
    }
    return String.format(Locale.ROOT, "%+.1f %%", 100.0 * (after - before) / before);
  }

  private void save(ReplayState state, List<Row> rows) {
    Path file =
        state
            .file()
            .resolveSibling(
                state.file().getFileName().toString().replace(".state", ".report.json"));
    ArrayNode json = Json.mapper().createArrayNode();
    rows.forEach(r -> json.add(r.toJson()));
    try {
      Files.writeString(
          file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
    out.println("report saved to " + file);
  }
}
