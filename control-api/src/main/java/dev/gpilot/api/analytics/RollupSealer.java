package dev.gpilot.api.analytics;

import static dev.gpilot.clickhouse.ClickHouseClient.literal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.RollupLevels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the coarser rollups (SPEC.md section 8, "Coarser rollups"): for every whole UTC hour and
 * day that is over and whose newest touch is at least {@link #QUIET} old but newer than what its
 * seal covers (or that has no seal), the sums of its minute rollups ({@code FINAL}: the highest
 * version of each row, every slice) go to {@code cost_rollup_1h} / {@code cost_rollup_1d}, then a
 * seal row records the touch they cover. A reader uses a window's coarse rows only while the seal
 * covers the window's newest touch; a row added later (a re-fired window, a straggler, a replay)
 * touches the hour again, so the window is read from minutes until it is sealed again.
 *
 * <p>Why {@link #QUIET}: a touch is stamped ({@code now()}) while its insert runs; sealing only
 * windows untouched for a minute means every insert stamped at or before the touch a seal covers is
 * visible to the seal's read. Idempotent: several API instances may seal the same window; the
 * latest seal (and its rows, versioned by the second they were computed in) wins and all of them
 * hold the same sums.
 */
final class RollupSealer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RollupSealer.class);

  static final Duration QUIET = Duration.ofSeconds(60);
  static final long[] LEVELS = {RangePlan.HOUR, RangePlan.DAY};

  /** Windows sealed per candidate query (one more round follows when it was full). */
  private static final int BATCH = 2_000;

  /** At most this much time in one insert (one {@code FINAL} read of the minutes). */
  private static final long CHUNK_SECONDS = 31 * RangePlan.DAY;

  private static final String COLUMNS =
      "(workspace_id, window_start, agent, model, slice, steps, missions,"
          + " agent_missions, errors, prompt_tokens, output_tokens, thinking_tokens, cached_tokens, cost_micros,"
          + " latency_sum_ms, latency_max_ms, version)";

  private final ClickHouseClient client;
  private final Supplier<List<RollupLevels>> sets;
  private final Duration period;
  private final Duration quiet;
  private final AtomicBoolean pending = new AtomicBoolean();
  private ScheduledExecutorService executor;
  private volatile boolean failing;

  RollupSealer(ClickHouseClient client, Supplier<List<RollupLevels>> sets, Duration period) {
    this(client, sets, period, QUIET);
  }

  /**
   * @param quiet how long a window must be untouched to be sealed ({@link #QUIET}; tests use less)
   */
  RollupSealer(
      ClickHouseClient client, Supplier<List<RollupLevels>> sets, Duration period, Duration quiet) {
    this.client = client;
    this.sets = sets;
    this.period = period;
    this.quiet = quiet;
  }

  void start() {
    executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "cost-rollup-sealer");
              t.setDaemon(true);
              return t;
            });
    if (!period.isZero()) {
      executor.scheduleWithFixedDelay(
          this::sealQuietly, 1_000, period.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /**
   * A read found a window to seal: seal soon (coalesced: one run at a time, at most one waiting).
   */
  void requestSoon() {
    ScheduledExecutorService e = executor;
    if (e != null && pending.compareAndSet(false, true)) {
      try {
        e.execute(
            () -> {
              pending.set(false);
              sealQuietly();
            });
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        pending.set(false);
      }
    }
  }

  private void sealQuietly() {
    try {
      int n = sealAll();
      if (n > 0) {
        LOG.debug("sealed {} cost rollup windows", n);
      }
      if (failing) {
        LOG.info("sealing cost rollups works again");
        failing = false;
      }
    } catch (RuntimeException e) {
      if (!failing) {
        LOG.warn(
            "sealing cost rollups failed (reads stay exact, from the minute rollups): {}",
            e.getMessage());
        failing = true;
      }
    }
  }

  /** Seals every window that can be sealed now, in every set; the number of windows sealed. */
  int sealAll() {
    int n = 0;
    for (RollupLevels levels : sets.get()) {
      for (long level : LEVELS) {
        n += seal(levels, level);
      }
    }
    return n;
  }

  /** Seals the windows of one level in one set. */
  int seal(RollupLevels levels, long level) {
    String coarse = level == RangePlan.DAY ? levels.day() : levels.hour();
    int total = 0;
    for (; ; ) {
      // Windows that are over, untouched for QUIET, and whose seal (if any) covers an older touch.
      List<JsonNode> rows =
          client.query(
              "SELECT workspace_id, w, t FROM (SELECT workspace_id,"
                  + " toUInt32(intDiv(toUInt32(hour), "
                  + level
                  + ") * "
                  + level
                  + ") AS w, toUInt32(max(touched_at)) AS t"
                  + " FROM "
                  + levels.touched()
                  + " GROUP BY workspace_id, w"
                  + " HAVING t <= toUInt32(now()) - "
                  + quiet.toSeconds()
                  + " AND w + "
                  + level
                  + " <= toUInt32(now()))"
                  + " ANY LEFT JOIN (SELECT workspace_id, toUInt32(window_start) AS w, toUInt32(touched_at) AS sealed FROM "
                  + levels.seals()
                  + " FINAL WHERE level = "
                  + level
                  + ") USING (workspace_id, w)"
                  + " WHERE sealed != t ORDER BY workspace_id, w LIMIT "
                  + BATCH);
      Map<String, List<long[]>> byWorkspace = new LinkedHashMap<>();
      for (JsonNode r : rows) {
        byWorkspace
            .computeIfAbsent(r.get("workspace_id").asText(), k -> new ArrayList<>())
            .add(new long[] {r.get("w").asLong(), r.get("t").asLong()});
      }
      for (Map.Entry<String, List<long[]>> e : byWorkspace.entrySet()) {
        List<long[]> windows = e.getValue();
        int start = 0;
        while (start < windows.size()) {
          int end = start;
          while (end < windows.size()
              && windows.get(end)[0] - windows.get(start)[0] < CHUNK_SECONDS) {
            end++;
          }
          sealChunk(levels, coarse, level, e.getKey(), windows.subList(start, end));
          start = end;
        }
      }
      total += rows.size();
      if (rows.size() < BATCH) {
        return total;
      }
    }
  }

  /**
   * One insert of the windows' sums, then their seals (a reader uses the rows only once the seal is
   * there).
   */
  private void sealChunk(
      RollupLevels levels, String coarse, long level, String workspace, List<long[]> windows) {
    StringBuilder ranges = new StringBuilder();
    long runStart = -1;
    long runEnd = -1;
    for (long[] w : windows) {
      if (w[0] != runEnd) {
        if (runStart >= 0) {
          range(ranges, runStart, runEnd);
        }
        runStart = w[0];
      }
      runEnd = w[0] + level;
    }
    range(ranges, runStart, runEnd);
    client.execute(
        "INSERT INTO "
            + coarse
            + " "
            + COLUMNS
            + " SELECT workspace_id,"
            + " toDateTime(intDiv(toUInt32(window_start), "
            + level
            + ") * "
            + level
            + ") AS w, agent, model, '',"
            + " sum(steps), sum(missions), sum(agent_missions), sum(errors), sum(prompt_tokens), sum(output_tokens),"
            + " sum(thinking_tokens), sum(cached_tokens), sum(cost_micros), sum(latency_sum_ms), max(latency_max_ms),"
            + " toUInt64(now()) FROM "
            + levels.minute()
            + " FINAL WHERE workspace_id = "
            + literal(workspace)
            + " AND ("
            + ranges
            + ") GROUP BY workspace_id, w, agent, model");
    StringBuilder seals =
        new StringBuilder(
            "INSERT INTO "
                + levels.seals()
                + " (workspace_id, level, window_start, touched_at, sealed_at) VALUES ");
    for (int i = 0; i < windows.size(); i++) {
      seals
          .append(i == 0 ? "" : ", ")
          .append('(')
          .append(literal(workspace))
          .append(", ")
          .append(level)
          .append(", toDateTime(")
          .append(windows.get(i)[0])
          .append("), toDateTime(")
          .append(windows.get(i)[1])
          .append("), now())");
    }
    client.execute(seals.toString());
  }

  private static void range(StringBuilder sql, long from, long to) {
    sql.append(sql.length() == 0 ? "" : " OR ")
        .append("(window_start >= toDateTime(")
        .append(from)
        .append(") AND window_start < toDateTime(")
        .append(to)
        .append("))");
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
